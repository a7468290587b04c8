package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/prober/cometbft/cometbfttest"
	"github.com/upchain-dev/upchain/prober/simnet"
)

// Ports of the simulated network: each endpoint listens on 127.0.0.1 at
// base + its offset (with base 0, every one on a port the system picks).
const (
	offWeb = iota
	offAPI
	offAPIEU
	offAPIUS
	offEVM
	offCosmos1
	offCosmos2
	offDNS
	offSink
	offNexus
	offExporter
	offConflux
	offLotus
	offRelay
	offParachain
	offBeacon
	offCosmosLCD
	offCount
)

// DefaultPortBase is where the demo's endpoints listen unless told
// otherwise, so that `upchain demo --write-config` writes addresses that
// work while a demo runs.
const DefaultPortBase = 18500

// The chains' simulated parameters.
const (
	evmChainID     = 1337
	evmBlockTime   = 12 * time.Second
	cosmosChainID  = "demo-1"
	cosmosBlock    = time.Minute
	validatorCount = 4
)

// network is the simulated infrastructure: every endpoint a real server
// on 127.0.0.1 speaking its real wire format, advancing with the clock.
type network struct {
	clock *clock

	web        *simnet.Web
	api        *simnet.Web            // the geo-routed API's public name
	apiRegions map[string]*simnet.Web // its regional backends
	evm        *simnet.EVM
	evmSwitch  *simnet.Switch
	cosmos     [2]*cometbfttest.Chain
	cosmosLCD  *simnet.CosmosLCD
	dns        *simnet.DNS
	sink       *sink
	nexus      *simnet.Nexus
	exporter   *simnet.Exporter
	conflux    *simnet.Conflux
	lotus      *simnet.Lotus
	beacon     *simnet.Beacon
	relay      *simnet.Substrate
	parachain  *simnet.Substrate

	reach   reach
	addrs   [offCount]string
	servers []*http.Server
	closers []func() error
}

// validatorAddress is the consensus address of the demo's i-th validator.
func validatorAddress(i int) string { return fmt.Sprintf("%040X", 0xDE300+i) }

// oasisValidator is the Oasis entity the demo watches.
const oasisValidator = "oasis1qrcm3zmd5kwy6crx5wsr4fskyc7dwf0deg776zfl"

// watchedValidator is the validator the demo's validator check watches;
// watchedValcons and watchedVoter are its address in bech32 (consensus
// address and the account that votes).
var watchedValidator = validatorAddress(3)

const (
	watchedValcons = "cosmosvalcons1qqqqqqqqqqqqqqqqqqqqqqqqqqqqmccr94k2y3"
	watchedVoter   = "cosmos1qqqqqqqqqqqqqqqqqqqqqqqqqqqqmccr5j3ryr"
)

func startNetwork(c *clock, base int, out func(string)) (*network, error) {
	n := &network{clock: c, sink: &sink{out: out}}
	n.web = &simnet.Web{Title: "Example Co. status website"}
	n.api = &simnet.Web{Title: "Example Co. API"}
	n.apiRegions = map[string]*simnet.Web{"eu-west": {Title: "API eu-west"}, "us-east": {Title: "API us-east"}}
	genesis := c.start.Add(-30 * 24 * time.Hour)
	n.evm = &simnet.EVM{ChainID: evmChainID, Genesis: genesis, BlockTime: evmBlockTime, Version: "Geth/v1.17.8-demo", Peers: 8, Now: c.Now,
		Balances: map[string]*big.Int{strings.ToLower(evmFeePayer): evmFeeBalance()}}
	n.evmSwitch = &simnet.Switch{Handler: n.evm}
	set := make([]cometbfttest.Validator, validatorCount)
	for i := range set {
		set[i] = cometbfttest.Validator{Address: validatorAddress(i), Power: 10}
	}
	for i := range n.cosmos {
		n.cosmos[i] = &cometbfttest.Chain{
			ChainID: cosmosChainID, Version: "0.38.17", Earliest: 1, Peers: 6,
			Set: func(int64) []cometbfttest.Validator { return set },
		}
	}
	// The chain's LCD: a proposal the validator voted on, one it has not
	// (ending long after the story), and the slashing record.
	n.cosmosLCD = &simnet.CosmosLCD{Now: c.Now, Missed: map[string]int64{watchedValcons: 12}, Proposals: []simnet.CosmosProposal{
		{ID: 41, Title: "Community pool spend: RPC infrastructure", VotingEnd: c.start.Add(40 * 24 * time.Hour), Votes: map[string]string{watchedVoter: "VOTE_OPTION_YES"}},
		{ID: 42, Title: "Raise the max validator count to 200", VotingEnd: c.start.Add(45 * 24 * time.Hour)},
	}}
	n.nexus = simnet.NewNexus(c.Now, oasisValidator)
	n.nexus.Update(func(s *simnet.NexusState) { s.Start = c.start })
	n.exporter = simnet.NewExporter(c.Now)
	n.exporter.Update(func(s *simnet.ExporterState) { s.Start = c.start })
	n.conflux = simnet.NewConflux(c.Now)
	// A PoS block every 3 minutes of simulated time: a handful per round
	// rather than 90, so that a simulated week stays quick.
	n.conflux.PosInterval = 3 * time.Minute
	n.lotus = simnet.NewLotus(c.Now)
	n.lotus.Update(func(s *simnet.LotusState) { s.Token = lotusToken })
	n.relay = simnet.NewPolkadotRelay(c.Now, c.start)
	n.parachain = simnet.NewCumulusParachain(c.Now, c.start)
	n.beacon = simnet.NewBeacon(c.Now, genesis, 12345, 12346, 12347)
	handlers := map[int]http.Handler{
		offBeacon: n.beacon,
		offRelay:  n.relay, offParachain: n.parachain,
		offLotus:   n.lotus,
		offConflux: n.conflux,
		offNexus:   http.StripPrefix("/v1", n.nexus), offExporter: n.exporter,
		offWeb: n.web, offAPI: n.api, offAPIEU: n.apiRegions["eu-west"], offAPIUS: n.apiRegions["us-east"],
		offEVM: n.evmSwitch, offCosmos1: n.cosmos[0], offCosmos2: n.cosmos[1], offSink: n.sink,
		offCosmosLCD: n.cosmosLCD,
	}
	for off := 0; off < offCount; off++ {
		addr := "127.0.0.1:0"
		if base > 0 {
			addr = "127.0.0.1:" + strconv.Itoa(base+off)
		}
		if off == offDNS {
			d, err := simnet.ListenDNS(addr, map[string]string{"status.upchain.demo.": "127.0.0.1"})
			if err != nil {
				n.close()
				return nil, portError(addr, err)
			}
			n.dns, n.addrs[off] = d, d.Addr()
			n.closers = append(n.closers, d.Close)
			continue
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			n.close()
			return nil, portError(addr, err)
		}
		srv := &http.Server{Handler: handlers[off], ReadHeaderTimeout: 5 * time.Second}
		n.servers = append(n.servers, srv)
		n.addrs[off] = ln.Addr().String()
		go func() { _ = srv.Serve(ln) }()
	}
	return n, nil
}

func portError(addr string, err error) error {
	return fmt.Errorf("simulated network: cannot listen on %s: %w (another demo running? choose other ports with --ports N, or --ports 0 for any free ones)", addr, err)
}

func (n *network) close() {
	for _, s := range n.servers {
		_ = s.Close()
	}
	for _, c := range n.closers {
		_ = c()
	}
}

func (n *network) url(off int, scheme, path string) string {
	return scheme + "://" + n.addrs[off] + path
}

// sink is the local webhook receiver that the demo's notification channel
// posts to (the webhook channel's documented JSON body); it prints each
// notification as it arrives.
type sink struct {
	out func(string)

	mu       sync.Mutex
	received []notification
}

type notification struct {
	Event string
	Title string
	Text  string
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Event    string `json:"event"`
		Text     string `json:"text"`
		Incident struct {
			Title string `json:"title"`
		} `json:"incident"`
	}
	if err := decodeJSON(r, &body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	note := notification{Event: body.Event, Title: body.Incident.Title, Text: body.Text}
	s.mu.Lock()
	s.received = append(s.received, note)
	s.mu.Unlock()
	if s.out != nil {
		s.out(fmt.Sprintf("notification (%s): %s", note.Event, note.Title))
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *sink) all() []notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]notification(nil), s.received...)
}

func decodeJSON(r *http.Request, v any) error {
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(v); err != nil {
		return errors.Join(errNotJSON, err)
	}
	return nil
}

var errNotJSON = errors.New("want a JSON body")

// evmFeePayer is the demo's fee account (an EIP-55 example address),
// holding 12.5 ETH: more than 2^64 wei.
const evmFeePayer = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"

func evmFeeBalance() *big.Int {
	return new(big.Int).Mul(big.NewInt(125), new(big.Int).Exp(big.NewInt(10), big.NewInt(17), nil))
}
