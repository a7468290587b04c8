package prober

import "sync"

// builtinKinds is the explicit list of the kinds upchain ships, in the
// order of the README's reference. A new kind is added here and nowhere
// else outside its own files.
func builtinKinds() []Kind {
	return []Kind{
		httpKind{},
		tcpKind{},
		tlsKind{},
		dnsKind{},
		websocketKind{},
		jsonrpcKind{},
		cometbftKind{},
		evmKind{},
		substrateKind{},
		oasisKind{},
		prometheusKind{},
		confluxKind{},
		lotusKind{},
		beaconKind{},
	}
}

var builtin = sync.OnceValue(func() *Registry { return NewRegistry(builtinKinds()...) })

// Builtin returns the registry of the built-in kinds. It is built once and
// is read-only.
func Builtin() *Registry { return builtin() }
