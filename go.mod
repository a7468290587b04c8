module github.com/upchain-dev/upchain

go 1.26

require (
	github.com/expr-lang/expr v1.16.9
	github.com/gorilla/websocket v1.5.3
	github.com/yuin/goldmark v1.7.8
	golang.org/x/sys v0.29.0
	gopkg.in/yaml.v3 v3.0.1
)
