package cometbft

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/upchain-dev/upchain/prober/internal/text"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// LCD reads Cosmos SDK state over its REST interface (gRPC gateway, port
// 1317 by default), following the cosmos.slashing.v1beta1 and
// cosmos.staking.v1beta1 query services.
type LCD struct {
	// Base is the LCD's root URL, e.g. https://lcd.example.org.
	Base   string
	Client *http.Client
	// Header is sent with every request (API keys).
	Header http.Header
	// MaxBytes bounds one response.
	MaxBytes  int64
	UserAgent string
}

// LCDError is a non-2xx answer of the LCD.
type LCDError struct {
	Path string
	Code int
	Body string
}

func (e *LCDError) Error() string {
	return fmt.Sprintf("LCD %s: HTTP %d: %s", e.Path, e.Code, e.Body)
}

func (l LCD) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(l.Base, "/")+path, nil)
	if err != nil {
		return err
	}
	for k, v := range l.Header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if l.UserAgent != "" {
		req.Header.Set("User-Agent", l.UserAgent)
	}
	resp, err := l.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Errorf("LCD %s: %w", path, ue.Err)
		}
		return err
	}
	defer resp.Body.Close()
	limit := l.MaxBytes
	if limit <= 0 {
		limit = 1 << 20
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return fmt.Errorf("LCD %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return fmt.Errorf("LCD %s: answer larger than %d bytes", path, limit)
	}
	if resp.StatusCode/100 != 2 {
		return &LCDError{Path: path, Code: resp.StatusCode, Body: text.Truncate(strings.Join(strings.Fields(string(data)), " "), 120)}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("LCD %s: unexpected answer: %v", path, err)
	}
	return nil
}

// Decimal is a cosmos-sdk LegacyDec written as a string ("0.050000000000000000").
type Decimal float64

// UnmarshalJSON accepts a string or a number.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("not a decimal: %s", text.Truncate(s, 40))
	}
	*d = Decimal(f)
	return nil
}

// SlashingParams are the chain's downtime rules.
type SlashingParams struct {
	SignedBlocksWindow  Int64   `json:"signed_blocks_window"`
	MinSignedPerWindow  Decimal `json:"min_signed_per_window"`
	DowntimeJailSeconds string  `json:"downtime_jail_duration"`
}

// MaxMissed is how many blocks of the window may be missed before jail.
func (p SlashingParams) MaxMissed() int64 {
	return int64(float64(p.SignedBlocksWindow) * (1 - float64(p.MinSignedPerWindow)))
}

// SlashingParams reads /cosmos/slashing/v1beta1/params.
func (l LCD) SlashingParams(ctx context.Context) (*SlashingParams, error) {
	var out struct {
		Params SlashingParams `json:"params"`
	}
	if err := l.get(ctx, "/cosmos/slashing/v1beta1/params", &out); err != nil {
		return nil, err
	}
	return &out.Params, nil
}

// SigningInfo is a validator's liveness record in the slashing module.
type SigningInfo struct {
	Address             string    `json:"address"`
	StartHeight         Int64     `json:"start_height"`
	IndexOffset         Int64     `json:"index_offset"`
	JailedUntil         time.Time `json:"jailed_until"`
	Tombstoned          bool      `json:"tombstoned"`
	MissedBlocksCounter Int64     `json:"missed_blocks_counter"`
}

// SigningInfo reads /cosmos/slashing/v1beta1/signing_infos/{valcons}.
func (l LCD) SigningInfo(ctx context.Context, valcons string) (*SigningInfo, error) {
	var out struct {
		ValSigningInfo SigningInfo `json:"val_signing_info"`
	}
	if err := l.get(ctx, "/cosmos/slashing/v1beta1/signing_infos/"+url.PathEscape(valcons), &out); err != nil {
		return nil, err
	}
	return &out.ValSigningInfo, nil
}

// StakingValidator is a validator as the staking module knows it.
type StakingValidator struct {
	OperatorAddress string `json:"operator_address"`
	ConsensusPubkey struct {
		Type string `json:"@type"`
		Key  string `json:"key"`
	} `json:"consensus_pubkey"`
	Jailed      bool   `json:"jailed"`
	Status      string `json:"status"`
	Tokens      string `json:"tokens"`
	Description struct {
		Moniker string `json:"moniker"`
	} `json:"description"`
}

// Bonded reports whether the validator is in the bonded (active) set.
func (v StakingValidator) Bonded() bool { return v.Status == "BOND_STATUS_BONDED" }

// ConsensusAddress derives the validator's consensus address (hex) from
// its ed25519 consensus key: the first 20 bytes of SHA-256 of the key.
func (v StakingValidator) ConsensusAddress() (string, error) {
	if !strings.HasSuffix(v.ConsensusPubkey.Type, "ed25519.PubKey") {
		return "", fmt.Errorf("consensus key type %q is not ed25519: set validator.address or validator.valcons", v.ConsensusPubkey.Type)
	}
	key, err := base64.StdEncoding.DecodeString(v.ConsensusPubkey.Key)
	if err != nil || len(key) != 32 {
		return "", fmt.Errorf("consensus key %q is not a 32-byte ed25519 key", text.Truncate(v.ConsensusPubkey.Key, 60))
	}
	sum := sha256.Sum256(key)
	return strings.ToUpper(hex.EncodeToString(sum[:20])), nil
}

// StakingValidator reads /cosmos/staking/v1beta1/validators/{valoper}.
func (l LCD) StakingValidator(ctx context.Context, valoper string) (*StakingValidator, error) {
	var out struct {
		Validator StakingValidator `json:"validator"`
	}
	if err := l.get(ctx, "/cosmos/staking/v1beta1/validators/"+url.PathEscape(valoper), &out); err != nil {
		return nil, err
	}
	return &out.Validator, nil
}

// ValconsFor writes a hex consensus address as a bech32 valcons address,
// taking the chain's prefix from an operator address (cosmosvaloper1... →
// cosmosvalcons1...).
func ValconsFor(hexAddr, valoper string) (string, error) {
	hrp, _, err := Bech32Decode(valoper)
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(hrp, "valoper") {
		return "", fmt.Errorf("not an operator address (prefix ...valoper)")
	}
	raw, err := hex.DecodeString(hexAddr)
	if err != nil {
		return "", err
	}
	return Bech32Encode(strings.TrimSuffix(hrp, "valoper")+"valcons", raw)
}

// AddressFromValcons decodes a valcons address to the hex consensus address.
func AddressFromValcons(valcons string) (string, error) {
	hrp, data, err := Bech32Decode(valcons)
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(hrp, "valcons") {
		return "", fmt.Errorf("not a consensus address (prefix ...valcons)")
	}
	if len(data) != 20 {
		return "", fmt.Errorf("holds %d bytes, a consensus address has 20", len(data))
	}
	return strings.ToUpper(hex.EncodeToString(data)), nil
}

// Balance reads /cosmos/bank/v1beta1/balances/{address}/by_denom?denom=
// (cosmos.bank.v1beta1.Query/BalanceByDenom): the amount in base units
// (uatom), a decimal string of any size.
func (l LCD) Balance(ctx context.Context, address, denom string) (*big.Int, error) {
	var out struct {
		Balance *struct {
			Denom  string `json:"denom"`
			Amount string `json:"amount"`
		} `json:"balance"`
	}
	path := "/cosmos/bank/v1beta1/balances/" + url.PathEscape(address) + "/by_denom?denom=" + url.QueryEscape(denom)
	if err := l.get(ctx, path, &out); err != nil {
		return nil, err
	}
	if out.Balance == nil {
		return new(big.Int), nil // no coins of denom
	}
	n, ok := new(big.Int).SetString(out.Balance.Amount, 10)
	if !ok || n.Sign() < 0 || len(out.Balance.Amount) > 80 {
		return nil, fmt.Errorf("LCD %s: amount %q is not a base-unit amount", path, text.Truncate(out.Balance.Amount, 40))
	}
	return n, nil
}
