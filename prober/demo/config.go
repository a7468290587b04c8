package demo

import (
	"fmt"

	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober/simnet"
	"github.com/upchain-dev/upchain/prober/substrate/ss58"
)

// configFiles returns the demo's upchain.yml and check files, pointing at
// the network's addresses: a worked example of every kind and option
// group, commented so that it can be copied.
func configFiles(n *network, s *story) map[string]string {
	from, to := s.maintenanceWindow(n.clock.start)
	upchain := fmt.Sprintf(`# upchain demo: every endpoint below is simulated on 127.0.0.1 by
# `+"`upchain demo`"+`. Copy this file and checks/ as a starting point and put
# your own endpoints in.
site:
  title: upchain demo
  description: A simulated network on this machine; a week of history made in seconds.
  links:                # site-wide links, e.g. your dashboards
    - name: Grafana docs
      url: https://grafana.com/docs/grafana/latest/

defaults:
  timeout: 5s
  retries: 0            # a demo round is one attempt per probe
  interval: %s
  round_timeout: 1m
  quorum: 2             # down only when 2 locations see it down; 1 alone is degraded

# Three runners record into the same history: eu-daemon, us-actions and
# ap-actions (upchain probe --location NAME, or UPCHAIN_LOCATION). One
# silent for longer than this opens "Probes from <location> stopped".
stale_after: %s

# Where the runners are, for the home page's map (regions of check files
# take the same location: {label, lat, lon}).
locations:
  - {name: eu-daemon, location: {label: Frankfurt, lat: 50.11, lon: 8.68}}
  - {name: us-actions, location: {label: Des Moines, lat: 41.59, lon: -93.62}}
  - {name: ap-actions, location: {label: Singapore, lat: 1.35, lon: 103.82}}

history:
  branch: upchain-history
  dir: .upchain/history

incidents:
  failure_threshold: 2  # failed rounds in a row to open an incident
  success_threshold: 2  # good rounds in a row to resolve it
  github: false         # incidents as files in history only

# A planned restart of the EVM node: its failures open no incident.
maintenance:
  - title: Planned restart of the EVM node
    checks: [evm-node, evm-node-websocket, eth-blocknumber, evm-websocket]
    start: %s
    end: %s
    body: Client upgrade; the node is restarted.

notifications:
  channels:
    - kind: webhook      # JSON body, see README (Notifications)
      name: demo-sink
      url: %s
      secret: ${UPCHAIN_DEMO_WEBHOOK_SECRET}   # secrets always come from the environment
`, s.interval, 2*s.interval, from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), n.url(offSink, "http", "/hook"))

	web := fmt.Sprintf(`group: Website
checks:
  # http: status, body and latency. Slower than %[5]s is degraded.
  - name: Status website
    kind: http
    url: %[1]s
    conditions:
      - status == 200
      - body contains "Example Co."
    degraded:
      - latency < %[5]s
    links:
      grafana: https://grafana.com/docs/
    tags: [web]

  # tcp: the port accepts connections.
  - name: Website port
    kind: tcp
    url: %[2]s

  # dns: the name resolves (here, through the demo's own DNS server).
  - name: Website DNS
    kind: dns
    url: dns://status.upchain.demo
    dns: {type: A, server: "%[3]s"}
    conditions: ['"127.0.0.1" in answers']

  # A geo-routed endpoint: probed through its public address and through
  # each regional backend. One region down makes the check degraded.
  - name: API (geo-routed)
    kind: http
    url: %[4]s
    conditions: [status == 200]
    regions:
%[6]s`, n.url(offWeb, "http", "/"), n.url(offWeb, "tcp", ""), n.addrs[offDNS], n.url(offAPI, "http", "/health"), slowLimit, regionLines(n))

	ethereum := fmt.Sprintf(`group: Ethereum
checks:
  # evm: head age, syncing, chain id and peers of an execution node.
  - name: EVM node
    kind: evm
    url: %[1]s
    evm:
      chain_id: %[3]d
      max_head_age: 1m
      min_peers: 3
      # A fee account, exact in wei: under min degraded, under down_below down.
      balances:
        - {name: fee payer, address: "%[5]s", min: "1.5", down_below: "0.1"}
    tags: [ethereum, rpc]

  # The same node over its websocket, compared with the node above:
  # more than 5 blocks behind is degraded, 20 down.
  - name: EVM node (websocket)
    kind: evm
    url: %[2]s
    evm: {chain_id: %[3]d}
    lag: {reference: evm-node, degraded_blocks: 5, down_blocks: 20}

  # jsonrpc: any method; result is the reply's result (hex quantities
  # are numbers).
  - name: eth_blockNumber
    kind: jsonrpc
    url: %[1]s
    jsonrpc: {method: eth_blockNumber}
    conditions: [result > 0]

  # websocket: a message is sent and an answer must arrive.
  - name: EVM websocket
    kind: websocket
    url: %[2]s
    websocket: {send: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}'}
    conditions: [json.result == %[3]d]   # hex quantities read as numbers
`, n.url(offEVM, "http", "/"), n.url(offEVM, "ws", "/"), evmChainID, evmChainID, evmFeePayer)

	cosmos := fmt.Sprintf(`group: Cosmos
checks:
  # cometbft: catching_up, head age (a stalled chain), chain id, peers.
  - name: Cosmos node 1
    kind: cometbft
    url: %[1]s
    cometbft:
      chain_id: %[3]s
      max_head_age: 3m
      min_peers: 3

  # A second node of the chain, compared with the other nodes of the
  # group: 5 blocks behind is degraded, 20 down.
  - name: Cosmos node 2
    kind: cometbft
    url: %[2]s
    cometbft: {chain_id: %[3]s, max_head_age: 3m}
    lag: {group: Cosmos, degraded_blocks: 5, down_blocks: 20}

  # A validator: in the active set and signing. 5 missed in a row is
  # down; 10%% of the last 100 blocks missed is degraded. With the LCD:
  # jailed, the slashing window, governance (a proposal without the
  # validator's vote ending within 24h is degraded) and the upgrade plan,
  # which becomes a maintenance window for the chain's checks.
  - name: Cosmos validator
    kind: cometbft
    url: %[1]s
    cometbft:
      chain_id: %[3]s
      max_head_age: 3m
      lcd: %[5]s
      validator: {address: "%[4]s", valcons: %[6]s}
      gov: {voter: %[7]s, warn_before: 24h}
      upgrade_window: 2h
      signatures_window: 100
      max_blocks_per_round: 100
      missed_consecutive_alert: 5
      missed_percent_alert: 10
    tags: [cosmos, validator]
`, n.url(offCosmos1, "http", ""), n.url(offCosmos2, "http", ""), cosmosChainID, watchedValidator, n.url(offCosmosLCD, "http", ""), watchedValcons, watchedVoter)

	oasis := fmt.Sprintf(`group: Oasis
checks:
  # oasis: a validator as the Nexus indexer sees it (active, in the
  # validator set, signed blocks, uptime, escrow). A stale indexer makes
  # the figures unknown: degraded, never down.
  - name: Oasis validator
    kind: oasis
    url: %[1]s
    oasis:
      validator: %[3]s
      max_head_age: 1m
      missed_consecutive_alert: 5
      missed_percent_alert: 5
    tags: [oasis, validator]

  # prometheus: any exporter's /metrics. metric() reads a sample,
  # increase() its growth since the previous probe (null on the first).
  - name: Oasis node metrics
    kind: prometheus
    url: %[2]s
    prometheus:
      record: [oasis_consensus_signed_blocks, oasis_p2p_peers]
    conditions:
      - '(increase("oasis_consensus_signed_blocks") ?? 1) > 0'
      - 'metric("oasis_worker_node_registered") == 1'
    degraded:
      - 'metric("oasis_p2p_peers") >= 10'
`, n.url(offNexus, "http", "/v1"), n.url(offExporter, "http", "/metrics"), oasisValidator)

	conflux := fmt.Sprintf(`group: Conflux
checks:
  # conflux: Core Space epochs, head age, state lag, chain id and exact
  # balances (CIP-37 addresses checked at load); with pos: the PoS chain
  # and one validator (committee, votes, forfeits, retirement).
  - name: Conflux node and PoS validator
    kind: conflux
    url: %[1]s
    conflux:
      chain_id: 1029
      max_head_age: 1m
      balances:
        - {name: treasury, address: "%[2]s", min: "100"}   # CFX, exact to the Drip
      pos:
        address: "%[3]s"
        max_commit_age: 5m
        missed_consecutive_alert: 5
        missed_percent_alert: 5
    tags: [conflux, validator]
`, n.url(offConflux, "http", "/"), simnet.ConfluxDemoTreasury, simnet.ConfluxDemoValidator)

	filecoin := fmt.Sprintf(`group: Filecoin
checks:
  # lotus: a Filecoin node (head, sync, peers, /health) and a storage
  # provider (power, faults, WindowPoSt deadlines, balances, mpool). The
  # API token is a secret from the environment.
  - name: Lotus node
    kind: lotus
    url: %[1]s
    headers:
      Authorization: Bearer ${LOTUS_TOKEN}
    lotus: {max_behind: 3, min_peers: 3}

  - name: Storage provider f01234
    kind: lotus
    url: %[1]s
    headers:
      Authorization: Bearer ${LOTUS_TOKEN}
    lotus:
      miner: f01234
      max_faults: 0
      min_balance: {worker: "10", owner: "1"}   # FIL, compared exactly in attoFIL
    tags: [filecoin, storage]
`, n.url(offLotus, "http", "/rpc/v1"))

	alice, _ := ss58.Encode(0, simnet.DevAccounts[0])
	bob, _ := ss58.Encode(0, simnet.DevAccounts[1])
	polkadot := fmt.Sprintf(`group: Polkadot
checks:
  # substrate: node health (peers, syncing, finality lag, head age) over
  # websocket JSON-RPC.
  - name: Polkadot node
    kind: substrate
    url: %[1]s
    substrate:
      chain: Polkadot
      max_head_age: 1m
      max_finality_lag: 10
      min_peers: 3

  # A validator: in the active set, queued for the next session, not
  # disabled, GRANDPA votes. Staking lives on Asset Hub since 2025: era
  # points and slashes would be read from staking_url.
  - name: Polkadot validator
    kind: substrate
    url: %[1]s
    substrate:
      chain: Polkadot
      validator: %[3]s
      reward_points: false
      slashes: false
      grandpa: true
      grandpa_samples: 1
    tags: [polkadot, validator]

  # A collator of a system parachain (Cumulus collator selection): in the
  # candidates or invulnerables, and its last authored block recent.
  - name: Asset Hub collator
    kind: substrate
    url: %[2]s
    substrate:
      chain: Polkadot Asset Hub
      collator: %[4]s
      max_authored_age: 15m
      max_authored_blocks: 100
    tags: [polkadot, asset-hub, collator]
`, n.url(offRelay, "ws", "/"), n.url(offParachain, "ws", "/"), alice, bob)

	beacon := fmt.Sprintf(`group: Ethereum consensus
checks:
  # beacon: an Ethereum beacon node (health, syncing, head age from the
  # slot clock, finality, peers), with the chain's own spec.
  - name: Beacon node
    kind: beacon
    url: %[1]s
    beacon:
      max_head_age: 60s
      max_finality_lag: 4
      min_peers: 3

  # Validators by index or pubkey: status, balance, attestations (one
  # liveness call per epoch), proposals, sync committee.
  - name: Our Ethereum validators
    kind: beacon
    url: %[1]s
    beacon:
      validators: ["12345", "12346", "12347"]
      attestation_window: 32
      missed_attestations_consecutive: 3
      missed_attestations_percent: 10
    tags: [ethereum, validator]
`, n.url(offBeacon, "http", ""))

	return map[string]string{
		"checks/beacon.yml":   beacon,
		"checks/polkadot.yml": polkadot,
		"checks/filecoin.yml": filecoin,
		"checks/conflux.yml":  conflux,
		"checks/oasis.yml":    oasis,
		"upchain.yml":         upchain,
		"checks/website.yml":  web,
		"checks/ethereum.yml": ethereum,
		"checks/cosmos.yml":   cosmos,
	}
}

// regionLines are the geo-routed API's regions, each with where its
// backend is.
func regionLines(n *network) string {
	var b strings.Builder
	for _, r := range []struct {
		name, place string
		off         int
	}{
		{"eu-west", "{label: Dublin, lat: 53.35, lon: -6.26}", offAPIEU},
		{"us-east", "{label: Ashburn, lat: 39.04, lon: -77.49}", offAPIUS},
	} {
		fmt.Fprintf(&b, "      - name: %s\n        address: \"%s\"\n        location: %s\n", r.name, n.addrs[r.off], r.place)
	}
	return b.String()
}

// writeFiles writes files under dir, refusing to overwrite any unless
// force is set; nothing is written when one exists.
func writeFiles(dir string, files map[string]string, force bool) error {
	if !force {
		for name := range files {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				return fmt.Errorf("%s exists: choose another directory, or remove it first", filepath.Join(dir, name))
			}
		}
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}
