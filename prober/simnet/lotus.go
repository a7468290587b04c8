package simnet

import (
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Lotus is a simulated Lotus full node with one storage provider (miner
// actor), served over HTTP: JSON-RPC 2.0 POSTs at /rpc/v1 (and /rpc/v0),
// methods "Filecoin.<Name>" with positional params, and GET /health/livez
// and /health/readyz answering 200 or 503 with no body.
//
// Reply shapes follow shared/reference/chains-detail.md §3, which quotes
// filecoin-project/lotus @ b835fab (api/api_full.go, node/rpc.go,
// node/health.go, documentation/en/api-methods-v1-stable.md) and
// go-jsonrpc auth/handler.go: heights and timestamps are JSON numbers,
// amounts and power decimal strings, bitfields run-length arrays
// ({0,1,2,8,9} is [0,3,5,2]), an Authorization header that is not
// "Bearer <Token>" gets HTTP 401, no header gets read permission.
// MpoolGetNonce, StateGetActor, StateNetworkName and ChainGetGenesis follow the same API
// document.
//
// The chain advances with the clock: the head epoch is
// (Now − Genesis)/BlockDelay − Behind, computed on every request, and the
// miner's proving deadlines (48 of 60 epochs per 2880-epoch period) move
// with it. A deadline whose partitions are marked with SkipPoSt gets no
// PostSubmissions; when it closes, its live sectors turn faulty, as the
// miner actor's deadline-end processing does.
type Lotus struct {
	// Now is the simulated clock (nil: time.Now).
	Now func() time.Time

	mu sync.Mutex
	st LotusState
	// skip holds, per deadline, the epoch from which it is not proven.
	skip map[uint64]int64
	// failed holds sectors that turned faulty by a missed WindowPoSt.
	failed map[uint64]map[uint64]bool
}

// LotusState is the scenario: change it with Update.
type LotusState struct {
	Genesis    time.Time
	BlockDelay time.Duration
	// Behind is how many epochs the node's head lags the clock.
	Behind int64
	// Stage is SyncState's stage (4: complete; 1 header sync, 3 message
	// sync, 5 error).
	Stage   int
	Peers   int
	Version string
	Network string
	// Token, when set, is the only accepted bearer token.
	Token string
	// Live and Ready are the answers of /health/livez and /health/readyz.
	Live, Ready bool

	Miner             string
	RawPower, QAPower string
	HasMinPower       bool
	Owner, Worker     string
	Control           []string
	// Balances in attoFIL by address (missing: "0").
	Balances map[string]string
	// Pending messages in the mpool by sender.
	Pending map[string]uint64
	// Nonces on chain by sender.
	Nonces map[string]uint64
	// Partitions by deadline index (0–47).
	Partitions map[uint64][]LotusPartition
	// ProveAfter is how many epochs into its window a deadline's
	// partitions are proven (default 5).
	ProveAfter int64
	// PeriodOffset places proving period starts: epoch % 2880 ==
	// PeriodOffset.
	PeriodOffset int64

	// Replies replaces the result of a method with raw JSON (hostile
	// replies); Errors makes a method answer a JSON-RPC error.
	Replies map[string]string
	Errors  map[string]string
}

// LotusPartition is a partition's sectors (all live and active).
type LotusPartition struct {
	Sectors    []uint64
	Faulty     []uint64
	Recovering []uint64
}

// Lotus chain parameters (Filecoin mainnet; go-state-types miner policy).
const (
	lotusDeadlines       = 48
	lotusChallengeWindow = 60
	lotusProvingPeriod   = lotusDeadlines * lotusChallengeWindow
)

// LotusMainnetGenesis is the mainnet genesis time (lotus-shed
// MAINNET_GENESIS_TIME).
var LotusMainnetGenesis = time.Unix(1598306400, 0)

// NewLotus returns a healthy node and miner with one partition in each of
// two deadlines and funded wallets.
func NewLotus(now func() time.Time) *Lotus {
	return &Lotus{Now: now, st: LotusState{
		Genesis: LotusMainnetGenesis, BlockDelay: 30 * time.Second,
		Stage: 4, Peers: 12, Version: "1.32.1+mainnet+git.0e7ac21", Network: "mainnet", Live: true, Ready: true,
		Miner: "f01234", RawPower: "1099511627776000", QAPower: "10995116277760000", HasMinPower: true,
		Owner: "f0100", Worker: "f0101", Control: []string{"f0102"},
		Balances: map[string]string{
			"f0100": "120000000000000000000", "f0101": "25000000000000000000", "f0102": "5000000000000000000",
		},
		Pending: map[string]uint64{}, Nonces: map[string]uint64{"f0101": 4100},
		Partitions: map[uint64][]LotusPartition{
			3:  {{Sectors: lotusRange(0, 100)}},
			30: {{Sectors: lotusRange(100, 150)}, {Sectors: lotusRange(150, 160)}},
		},
		ProveAfter: 5,
	}}
}

func lotusRange(from, to uint64) []uint64 {
	out := make([]uint64, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// Update changes the scenario under the lock.
func (l *Lotus) Update(f func(*LotusState)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f(&l.st)
}

// SkipPoSt stops proving deadline dl from now on: its next window gets no
// submissions, and its live sectors turn faulty when that window closes.
func (l *Lotus) SkipPoSt(dl uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.skip == nil {
		l.skip = map[uint64]int64{}
	}
	l.skip[dl] = l.epochLocked()
}

// ResumePoSt proves deadline dl again (faults already recorded stay).
func (l *Lotus) ResumePoSt(dl uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.settleLocked()
	delete(l.skip, dl)
}

// Epoch is the node's head epoch now.
func (l *Lotus) Epoch() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.epochLocked()
}

// Deadline is the index of the open deadline and the epoch it closes.
func (l *Lotus) Deadline() (index uint64, close int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	d := l.deadlineLocked(l.epochLocked())
	return d.Index, d.Close
}

func (l *Lotus) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *Lotus) clockEpochLocked() int64 {
	delay := l.st.BlockDelay
	if delay <= 0 {
		delay = 30 * time.Second
	}
	e := int64(l.now().Sub(l.st.Genesis) / delay)
	return max(e, 0)
}

func (l *Lotus) epochLocked() int64 { return max(l.clockEpochLocked()-l.st.Behind, 0) }

type lotusDeadline struct {
	CurrentEpoch, PeriodStart int64
	Index                     uint64
	Open, Close, Challenge    int64
	FaultCutoff               int64
}

func (l *Lotus) deadlineLocked(e int64) lotusDeadline {
	off := ((l.st.PeriodOffset % lotusProvingPeriod) + lotusProvingPeriod) % lotusProvingPeriod
	ps := e - ((e-off)%lotusProvingPeriod+lotusProvingPeriod)%lotusProvingPeriod
	idx := uint64((e - ps) / lotusChallengeWindow)
	open := ps + int64(idx)*lotusChallengeWindow
	return lotusDeadline{CurrentEpoch: e, PeriodStart: ps, Index: idx, Open: open, Close: open + lotusChallengeWindow,
		Challenge: open - 20, FaultCutoff: open - 70}
}

// closeAfter is the first close of deadline dl at or after epoch e's
// window start: the window during which a skip takes effect.
func (l *Lotus) closeAfter(dl uint64, e int64) int64 {
	d := l.deadlineLocked(e)
	open := d.PeriodStart + int64(dl)*lotusChallengeWindow
	if open+lotusChallengeWindow <= e {
		open += lotusProvingPeriod
	}
	return open + lotusChallengeWindow
}

// settleLocked turns the live sectors of skipped deadlines faulty once
// their window has closed.
func (l *Lotus) settleLocked() {
	e := l.epochLocked()
	for dl, since := range l.skip {
		if e < l.closeAfter(dl, since) {
			continue
		}
		if l.failed == nil {
			l.failed = map[uint64]map[uint64]bool{}
		}
		if l.failed[dl] == nil {
			l.failed[dl] = map[uint64]bool{}
		}
		for _, p := range l.st.Partitions[dl] {
			for _, s := range p.Sectors {
				l.failed[dl][s] = true
			}
		}
	}
}

func (l *Lotus) faultyLocked(dl uint64, p LotusPartition) []uint64 {
	out := append([]uint64(nil), p.Faulty...)
	in := map[uint64]bool{}
	for _, s := range p.Sectors {
		in[s] = true
	}
	for s := range l.failed[dl] {
		if in[s] {
			out = append(out, s)
		}
	}
	return out
}

// lotusRuns writes a set of numbers as Lotus's JSON bitfield.
func lotusRuns(set []uint64) []uint64 {
	s := append([]uint64(nil), set...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	var runs []uint64
	var pos uint64
	for i := 0; i < len(s); {
		if i > 0 && s[i] == s[i-1] {
			i++
			continue
		}
		runs = append(runs, s[i]-pos)
		j := i
		for j+1 < len(s) && (s[j+1] == s[j]+1 || s[j+1] == s[j]) {
			j++
		}
		runs = append(runs, s[j]-s[i]+1)
		pos = s[j] + 1
		i = j + 1
	}
	if len(runs) == 0 {
		return []uint64{0}
	}
	return runs
}

type lotusRequest struct {
	ID     json.RawMessage   `json:"id"`
	Method string            `json:"method"`
	Params []json.RawMessage `json:"params"`
}

func (l *Lotus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	token, live, ready := l.st.Token, l.st.Live, l.st.Ready
	l.mu.Unlock()
	if h := r.Header.Get("Authorization"); h != "" && (token == "" || h != "Bearer "+token) {
		// go-jsonrpc: a header that is not a valid bearer token is 401.
		http.Error(w, "JWT Verification failed", http.StatusUnauthorized)
		return
	}
	switch r.URL.Path {
	case "/health/livez", "/health/readyz":
		ok := live
		if r.URL.Path == "/health/readyz" {
			ok = ready
		}
		if ok {
			w.WriteHeader(http.StatusOK)
		} else {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		return
	case "/rpc/v1", "/rpc/v0":
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	var req lotusRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	result, rpcErr := l.call(req)
	w.Header().Set("Content-Type", "application/json")
	if rpcErr != "" {
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"error":{"code":1,"message":%q}}`, req.ID, rpcErr)
		return
	}
	fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":%s}`, req.ID, result)
}

func (l *Lotus) call(req lotusRequest) (string, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.settleLocked()
	name := strings.TrimPrefix(req.Method, "Filecoin.")
	if msg, ok := l.st.Errors[name]; ok {
		return "", msg
	}
	if raw, ok := l.st.Replies[name]; ok {
		return raw, ""
	}
	str := func(i int) string {
		var s string
		if i < len(req.Params) {
			_ = json.Unmarshal(req.Params[i], &s)
		}
		return s
	}
	minerArg := func() string {
		if str(0) != l.st.Miner {
			return fmt.Sprintf("actor not found: %s", str(0))
		}
		return ""
	}
	st := &l.st
	e := l.epochLocked()
	var out any
	switch name {
	case "ChainHead":
		out = l.tipset(e)
	case "StateNetworkName":
		out = st.Network
	case "ChainGetGenesis":
		out = l.tipset(0)
	case "SyncState":
		out = map[string]any{"ActiveSyncs": []any{map[string]any{
			"WorkerID": 1, "Base": nil, "Target": nil, "Stage": st.Stage, "Height": e,
			"Start": "2026-01-01T00:00:00Z", "End": "0001-01-01T00:00:00Z", "Message": "",
		}}, "VMApplied": 0}
	case "NetPeers":
		peers := make([]any, st.Peers)
		for i := range peers {
			peers[i] = map[string]any{"ID": fmt.Sprintf("12D3KooWPeer%04d", i), "Addrs": []string{fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", 24000+i)}}
		}
		out = peers
	case "Version":
		out = map[string]any{"Version": st.Version, "APIVersion": 131840, "BlockDelay": int64(st.BlockDelay / time.Second)}
	case "StateMinerPower":
		if m := minerArg(); m != "" {
			return "", m
		}
		out = map[string]any{
			"MinerPower":  map[string]string{"RawBytePower": st.RawPower, "QualityAdjPower": st.QAPower},
			"TotalPower":  map[string]string{"RawBytePower": "23000000000000000000", "QualityAdjPower": "28000000000000000000"},
			"HasMinPower": st.HasMinPower,
		}
	case "StateMinerInfo":
		if m := minerArg(); m != "" {
			return "", m
		}
		out = map[string]any{"Owner": st.Owner, "Worker": st.Worker, "ControlAddresses": st.Control,
			"SectorSize": 34359738368, "WindowPoStPartitionSectors": 2349}
	case "StateMinerFaults", "StateMinerRecoveries":
		if m := minerArg(); m != "" {
			return "", m
		}
		var all []uint64
		for dl, ps := range st.Partitions {
			for _, p := range ps {
				if name == "StateMinerFaults" {
					all = append(all, l.faultyLocked(dl, p)...)
				} else {
					all = append(all, p.Recovering...)
				}
			}
		}
		out = lotusRuns(all)
	case "StateMinerProvingDeadline":
		if m := minerArg(); m != "" {
			return "", m
		}
		d := l.deadlineLocked(e)
		out = map[string]any{"CurrentEpoch": e, "PeriodStart": d.PeriodStart, "Index": d.Index, "Open": d.Open,
			"Close": d.Close, "Challenge": d.Challenge, "FaultCutoff": d.FaultCutoff,
			"WPoStPeriodDeadlines": lotusDeadlines, "WPoStProvingPeriod": lotusProvingPeriod,
			"WPoStChallengeWindow": lotusChallengeWindow, "WPoStChallengeLookback": 20, "FaultDeclarationCutoff": 70}
	case "StateMinerDeadlines":
		if m := minerArg(); m != "" {
			return "", m
		}
		d := l.deadlineLocked(e)
		dls := make([]any, lotusDeadlines)
		for i := range dls {
			var proven []uint64
			_, skipped := l.skip[uint64(i)]
			// Submissions exist only in the open deadline: the actor
			// resets them when a deadline ends.
			if uint64(i) == d.Index && !skipped && e >= d.Open+st.ProveAfter {
				proven = lotusRange(0, uint64(len(st.Partitions[uint64(i)])))
			}
			dls[i] = map[string]any{"PostSubmissions": lotusRuns(proven), "DisputableProofCount": 0, "DailyFee": "0"}
		}
		out = dls
	case "StateMinerPartitions":
		if m := minerArg(); m != "" {
			return "", m
		}
		var dl uint64
		if len(req.Params) > 1 {
			_ = json.Unmarshal(req.Params[1], &dl)
		}
		if dl >= lotusDeadlines {
			return "", fmt.Sprintf("invalid deadline %d", dl)
		}
		ps := []any{}
		for _, p := range st.Partitions[dl] {
			faulty := l.faultyLocked(dl, p)
			bad := map[uint64]bool{}
			for _, s := range faulty {
				bad[s] = true
			}
			var active []uint64
			for _, s := range p.Sectors {
				if !bad[s] {
					active = append(active, s)
				}
			}
			ps = append(ps, map[string]any{"AllSectors": lotusRuns(p.Sectors), "FaultySectors": lotusRuns(faulty),
				"RecoveringSectors": lotusRuns(p.Recovering), "LiveSectors": lotusRuns(p.Sectors), "ActiveSectors": lotusRuns(active)})
		}
		out = ps
	case "WalletBalance":
		b, ok := st.Balances[str(0)]
		if !ok {
			b = "0"
		}
		out = b
	case "StateGetActor":
		bal, ok := new(big.Int).SetString(st.Balances[str(0)], 10)
		if !ok {
			bal = new(big.Int)
		}
		out = map[string]any{"Code": map[string]string{"/": "bafkqadlgnfwc6mjpon2g64tbm5sxa33xmvza"},
			"Head": map[string]string{"/": "bafy2bzacea"}, "Nonce": st.Nonces[str(0)], "Balance": bal.String()}
	case "MpoolGetNonce":
		out = st.Nonces[str(0)] + st.Pending[str(0)]
	default:
		return "", "method '" + req.Method + "' not found"
	}
	b, _ := json.Marshal(out)
	return string(b), ""
}

func (l *Lotus) tipset(e int64) map[string]any {
	delay := l.st.BlockDelay
	if delay <= 0 {
		delay = 30 * time.Second
	}
	ts := l.st.Genesis.Add(time.Duration(e) * delay).Unix()
	cid := map[string]string{"/": fmt.Sprintf("bafy2bzaceblock%d", e)}
	return map[string]any{
		"Cids": []any{cid},
		"Blocks": []any{map[string]any{"Miner": l.st.Miner, "Height": e, "Timestamp": ts,
			"ParentBaseFee": "100", "ParentWeight": fmt.Sprint(e * 10)}},
		"Height": e,
	}
}
