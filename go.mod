module github.com/upchain-dev/upchain

go 1.26

require (
	github.com/expr-lang/expr v1.16.9
	github.com/google/go-github/v60 v60.0.0
	github.com/gorilla/websocket v1.5.3
	gopkg.in/yaml.v3 v3.0.1
)

require github.com/google/go-querystring v1.1.0 // indirect
