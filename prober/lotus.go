package prober

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober/cond"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/lotus"
)

// LotusOptions are the `lotus:` options of a check: a Lotus full node
// (JSON-RPC at /rpc/v1) and optionally one storage provider's miner actor.
type LotusOptions struct {
	// Genesis is the network's genesis time (RFC 3339 or unix seconds);
	// empty reads it from Filecoin.ChainGetGenesis.
	Genesis string `yaml:"genesis"`
	// BlockDelay is the epoch length; 0 reads Filecoin.Version's
	// BlockDelay.
	BlockDelay config.Duration `yaml:"block_delay"`
	// MaxHeadAge bounds the age of the head tipset (down when older).
	// Default 5m: ten epochs, beyond the default max_behind.
	MaxHeadAge config.Duration `yaml:"max_head_age"`
	// MaxBehind bounds how many epochs the head is behind the height the
	// clock implies (degraded beyond). Default 5, as /health/readyz.
	MaxBehind *int64 `yaml:"max_behind"`
	// MinPeers is the fewest peers that are not degraded. Default 1.
	MinPeers *int64 `yaml:"min_peers"`
	// Health reads /health/livez (down on 503) and /health/readyz
	// (degraded on 503). Default true.
	Health *bool `yaml:"health"`

	// Miner is the storage provider's actor id (f0…) to watch.
	Miner string `yaml:"miner"`
	// MaxFaults is the most faulty sectors that are not degraded.
	// Default 0.
	MaxFaults *int64 `yaml:"max_faults"`
	// WPoStWarnShare: the open deadline's partitions still unproven when
	// less than this share of its window remains are degraded. Default
	// 0.5 (the last 15 of 30 minutes on mainnet).
	WPoStWarnShare *float64 `yaml:"wpost_warn_share"`
	// PowerDropWindow is how long a drop in quality-adjusted power stays
	// degraded unless the power comes back. Default 24h.
	PowerDropWindow config.Duration `yaml:"power_drop_window"`
	// MinBalance are the least balances, in FIL, of the miner's owner,
	// worker and control addresses (degraded below); compared exactly in
	// attoFIL.
	MinBalance LotusBalances `yaml:"min_balance"`
	// MaxPending is the most messages from the worker waiting in the
	// mpool that are not degraded (unset: off).
	MaxPending *int64 `yaml:"max_pending"`
	// Balances are addresses to watch (Filecoin.WalletBalance; min and
	// down_below in FIL), with or without a miner.
	Balances []Balance `yaml:"balances"`

	// InsecureSkipVerify turns TLS verification off.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// LotusBalances are thresholds in FIL ("5", "0.25"); empty is off.
type LotusBalances struct {
	Owner   string `yaml:"owner"`
	Worker  string `yaml:"worker"`
	Control string `yaml:"control"`
}

// Defaults of the lotus options.
const (
	DefaultLotusMaxHeadAge      = 5 * time.Minute
	DefaultLotusMaxBehind       = 5
	DefaultLotusMinPeers        = 1
	DefaultLotusWPoStWarnShare  = 0.5
	DefaultLotusPowerDropWindow = 24 * time.Hour
	// lotusMaxControl bounds the control addresses whose balance is read.
	lotusMaxControl = 10
)

func lotusOptions(c *config.Check) *LotusOptions {
	if o, ok := c.Options.(*LotusOptions); ok && o != nil {
		return o
	}
	return &LotusOptions{}
}

func (o *LotusOptions) maxHeadAge() time.Duration {
	if o.MaxHeadAge > 0 {
		return o.MaxHeadAge.D()
	}
	return DefaultLotusMaxHeadAge
}

func (o *LotusOptions) health() bool { return o.Health == nil || *o.Health }

func (o *LotusOptions) warnShare() float64 {
	if o.WPoStWarnShare != nil {
		return *o.WPoStWarnShare
	}
	return DefaultLotusWPoStWarnShare
}

func (o *LotusOptions) powerDropWindow() time.Duration {
	if o.PowerDropWindow > 0 {
		return o.PowerDropWindow.D()
	}
	return DefaultLotusPowerDropWindow
}

// genesis parses the genesis option (zero time when unset).
func (o *LotusOptions) genesis() (time.Time, error) {
	s := strings.TrimSpace(o.Genesis)
	if s == "" {
		return time.Time{}, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 && n < 1<<40 {
		return time.Unix(n, 0), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither unix seconds nor RFC 3339 (mainnet: 1598306400 or 2020-08-24T22:00:00Z)", s)
	}
	return t, nil
}

var lotusMinerID = regexp.MustCompile(`^[ft]0[0-9]{1,19}$`)

type lotusKind struct{ Base }

func (lotusKind) Name() string { return "lotus" }

// Names of the values the lotus kind keeps for its next probe.
const (
	lotusValGenesis    = "filecoin_genesis"
	lotusValDelay      = "filecoin_block_delay_s"
	lotusValPowerRef   = "filecoin_qa_power_ref"
	lotusValPowerRefAt = "filecoin_qa_power_ref_at"
	lotusValPoSt       = "filecoin_wpost_state"
)

func lotusBalanceSpec(role string) ValueSpec {
	return ValueSpec{Name: "filecoin_balance_" + role, Label: "Balance of the " + role + " address", Unit: UnitAmount, Decimals: 18, Symbol: "FIL", Chart: true,
		Metric: "upchain_filecoin_" + role + "_balance_attofil", Help: "Balance of the storage provider's " + role + " address (the lowest, for control addresses), in attoFIL."}
}

func (lotusKind) Values() []ValueSpec {
	return append([]ValueSpec{
		valuePeers, valuePeersError, valueVersion,
		{Name: "filecoin_network", Label: "Network", Unit: UnitText, Chain: true},
		{Name: "filecoin_expected_height", Label: "Height the clock implies", Unit: UnitHeight},
		{Name: "filecoin_behind", Label: "Epochs behind the clock", Unit: UnitCount, Chart: true,
			Metric: "upchain_filecoin_behind_epochs", Help: "Epochs the node's head is behind the height the wall clock implies."},
		{Name: "filecoin_sync_stage", Label: "Sync stage", Unit: UnitText},
		{Name: "filecoin_livez", Label: "Live (/health/livez)", Unit: UnitBool},
		{Name: "filecoin_readyz", Label: "Ready (/health/readyz)", Unit: UnitBool},
		{Name: lotusValGenesis, Label: "Genesis time", Unit: UnitUnixTime, Hidden: true},
		{Name: lotusValDelay, Label: "Block delay", Unit: UnitSeconds, Hidden: true},
		{Name: "filecoin_raw_power", Label: "Raw byte power", Unit: UnitBytes,
			Metric: "upchain_filecoin_miner_raw_power_bytes", Help: "Raw byte power of the storage provider."},
		{Name: "filecoin_qa_power", Label: "Quality-adjusted power", Unit: UnitBytes, Chart: true,
			Metric: "upchain_filecoin_miner_qa_power_bytes", Help: "Quality-adjusted power of the storage provider."},
		{Name: "filecoin_has_min_power", Label: "Has minimum power", Unit: UnitBool,
			Metric: "upchain_filecoin_miner_has_min_power", Help: "1 if the storage provider meets the consensus minimum power."},
		{Name: "filecoin_power_drop", Label: "Power lost (recent window)", Unit: UnitBytes},
		{Name: lotusValPowerRef, Label: "Reference power", Unit: UnitBytes, Hidden: true},
		{Name: lotusValPowerRefAt, Label: "Reference power since", Unit: UnitUnixTime, Hidden: true},
		{Name: "filecoin_faults", Label: "Faulty sectors", Unit: UnitCount,
			Metric: "upchain_filecoin_miner_faulty_sectors", Help: "Sectors of the storage provider that are faulty."},
		{Name: "filecoin_recoveries", Label: "Recovering sectors", Unit: UnitCount,
			Metric: "upchain_filecoin_miner_recovering_sectors", Help: "Faulty sectors declared as recovering."},
		{Name: "filecoin_deadline", Label: "Current proving deadline", Unit: UnitCount,
			Metric: "upchain_filecoin_miner_deadline", Help: "Index of the open WindowPoSt deadline."},
		{Name: "filecoin_next_deadline_s", Label: "Next deadline in", Unit: UnitSeconds},
		{Name: "filecoin_deadline_partitions", Label: "Partitions to prove in this deadline", Unit: UnitCount},
		{Name: "filecoin_deadline_unproven", Label: "Partitions not yet proven", Unit: UnitCount,
			Metric: "upchain_filecoin_miner_deadline_unproven_partitions", Help: "Partitions with live sectors in the open deadline without a WindowPoSt yet."},
		{Name: "filecoin_wpost_missed", Label: "Missed WindowPoSt", Unit: UnitText},
		{Name: lotusValPoSt, Label: "WindowPoSt bookkeeping", Unit: UnitText, Hidden: true},
		lotusBalanceSpec("owner"), lotusBalanceSpec("worker"), lotusBalanceSpec("control"),
		{Name: "filecoin_mpool_pending", Label: "Worker messages pending", Unit: UnitCount,
			Metric: "upchain_filecoin_worker_mpool_pending", Help: "Messages from the worker address waiting in the node's mpool."},
		valueLotusBalances, valueLotusBalanceLow, valueLotusBalanceLowest,
	}, headValues...)
}

func (lotusKind) NewOptions() any { return &LotusOptions{} }

func (lotusKind) Vars() []string {
	return []string{"head", "expected_height", "behind", "sync", "peers", "version", "network",
		"livez", "readyz", "miner", "wpost", "wallet", "mpool", "balances", "balance_low", "balance_down", "latency", "region"}
}

// VarTypes implements config.TypedKind; wallet is keyed by role (amounts
// in attoFIL, compared exactly) plus low.
func (lotusKind) VarTypes() cond.Fields {
	n, b, s := cond.Number, cond.Bool, cond.String
	return typedVars(withBalanceVars(cond.Fields{"head": headFields(nil), "expected_height": n, "behind": n,
		"sync": cond.Fields{"stage": s, "height": n, "behind": n}, "peers": n, "version": s, "network": s,
		"livez": b, "readyz": b,
		"miner":  cond.Fields{"raw_power": n, "qa_power": n, "has_min_power": b, "power_drop": n, "faults": n, "recoveries": n},
		"wpost":  cond.Fields{"late": s, "missed": s, "deadline": n, "unproven": n, "partitions": n, "next_deadline_in": cond.Duration},
		"wallet": cond.Dynamic, "mpool": cond.Fields{"pending": n}}))
}

func (lotusKind) Validate(c *config.Check) []config.FieldProblem {
	out := rpcURLProblems(c)
	o := lotusOptions(c)
	add := func(field, format string, args ...any) {
		out = append(out, config.FieldProblem{Field: optionLine(c, field), Msg: field + ": " + fmt.Sprintf(format, args...)})
	}
	if u, err := url.Parse(c.URL); err == nil && !strings.HasPrefix(u.Path, "/rpc/v") && !strings.Contains(c.URL, "${") {
		out = append(out, config.FieldProblem{Field: "url", Msg: fmt.Sprintf("Lotus serves JSON-RPC at /rpc/v1: use %s://%s/rpc/v1", u.Scheme, u.Host)})
	}
	if a, ok := c.Headers["Authorization"]; ok && !strings.HasPrefix(a, "Bearer ") {
		out = append(out, config.FieldProblem{Field: "headers.Authorization", Msg: `headers.Authorization: Lotus takes "Bearer ${LOTUS_TOKEN}" (anything else is HTTP 401)`})
	}
	if _, err := o.genesis(); err != nil {
		add("lotus.genesis", "%v", err)
	}
	if o.BlockDelay < 0 {
		add("lotus.block_delay", "must be positive, e.g. 30s")
	}
	if o.MaxHeadAge < 0 {
		add("lotus.max_head_age", "must be positive, e.g. 3m")
	}
	if o.MaxBehind != nil && *o.MaxBehind < 0 {
		add("lotus.max_behind", "must be 0 or more epochs")
	}
	if o.MinPeers != nil && *o.MinPeers < 0 {
		add("lotus.min_peers", "must be 0 (off) or more")
	}
	out = append(out, lotusBalanceSet(o).problems()...)
	if o.Miner == "" {
		for field, set := range map[string]bool{
			"lotus.max_faults": o.MaxFaults != nil, "lotus.wpost_warn_share": o.WPoStWarnShare != nil,
			"lotus.power_drop_window": o.PowerDropWindow != 0, "lotus.min_balance": o.MinBalance != (LotusBalances{}),
			"lotus.max_pending": o.MaxPending != nil,
		} {
			if set {
				add(field, "only applies to a storage provider: add `miner: f0…` under lotus")
			}
		}
		return out
	}
	if !lotusMinerID.MatchString(o.Miner) {
		add("lotus.miner", "%q is not a miner actor id such as f01234", o.Miner)
	}
	if o.MaxFaults != nil && *o.MaxFaults < 0 {
		add("lotus.max_faults", "must be 0 or more sectors")
	}
	if s := o.WPoStWarnShare; s != nil && (*s < 0 || *s > 1) {
		add("lotus.wpost_warn_share", "is a share of the 30-minute window: between 0 (off) and 1")
	}
	if o.PowerDropWindow < 0 {
		add("lotus.power_drop_window", "must be positive, e.g. 24h")
	}
	for role, v := range map[string]string{"owner": o.MinBalance.Owner, "worker": o.MinBalance.Worker, "control": o.MinBalance.Control} {
		if v != "" {
			if _, err := lotus.ParseFIL(v); err != nil {
				add("lotus.min_balance."+role, "%v", err)
			}
		}
	}
	if o.MaxPending != nil && *o.MaxPending < 0 {
		add("lotus.max_pending", "must be 0 or more messages")
	}
	return out
}

// DefaultConditions: a stale head, a dead node (livez) or a missed
// WindowPoSt is down; falling behind, few peers, not ready, faults, a
// late WindowPoSt, lost power, low balances and a stuck mpool are
// degraded.
func (lotusKind) DefaultConditions(c *config.Check) (up, degraded []string) {
	o := lotusOptions(c)
	up = append(up, "head.age < "+condDuration(o.maxHeadAge()))
	degraded = append(degraded, fmt.Sprintf("behind <= %d", orDefault(o.MaxBehind, DefaultLotusMaxBehind)),
		fmt.Sprintf("sync.stage != %q", lotus.StageName(lotus.StageError)))
	if n := orDefault(o.MinPeers, DefaultLotusMinPeers); n > 0 {
		degraded = append(degraded, fmt.Sprintf("peers >= %d", n))
	}
	if o.health() {
		up = append(up, "livez == true")
		degraded = append(degraded, "readyz == true")
	}
	bu, bd := lotusBalanceSet(o).conditions()
	up, degraded = append(up, bu...), append(degraded, bd...)
	if o.Miner == "" {
		return up, degraded
	}
	up = append(up, `wpost.missed == ""`)
	degraded = append(degraded, `wpost.late == ""`, "miner.has_min_power == true", "miner.power_drop == 0",
		fmt.Sprintf("miner.faults <= %d", orDefault(o.MaxFaults, 0)))
	if o.MinBalance != (LotusBalances{}) {
		degraded = append(degraded, `wallet.low == ""`)
	}
	if o.MaxPending != nil {
		degraded = append(degraded, fmt.Sprintf("mpool.pending <= %d", *o.MaxPending))
	}
	return up, degraded
}
