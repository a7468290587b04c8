module github.com/upchain-dev/upchain

go 1.26

require (
	github.com/expr-lang/expr v1.16.9
	github.com/gorilla/websocket v1.5.3
	golang.org/x/net v0.34.0
	gopkg.in/yaml.v3 v3.0.1
)
