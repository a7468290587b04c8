module github.com/upchain-dev/upchain

go 1.26

require (
	github.com/cespare/xxhash/v2 v2.3.0
	github.com/expr-lang/expr v1.16.9
	github.com/gorilla/websocket v1.5.3
	golang.org/x/crypto v0.55.0
	golang.org/x/net v0.57.0
	gopkg.in/yaml.v3 v3.0.1
)

require golang.org/x/sys v0.47.0 // indirect
