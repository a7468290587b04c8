// Package beacon is a small typed client for the standard Ethereum Beacon
// API (ethereum/beacon-APIs, REST/JSON) and the per-validator state a
// check carries between probes. It decodes only the fields upchain reads,
// strictly: numbers must be decimal strings as the spec says
// (types/primitive.yaml), so a node answering with the wrong types fails
// the check instead of being read as zero.
package beacon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Client calls one beacon node. Every call is bounded by ctx's deadline
// and by MaxBytes.
type Client struct {
	// Base is the node's root URL, e.g. http://127.0.0.1:5052.
	Base   string
	Client *http.Client
	// Header is sent with every request (API keys).
	Header http.Header
	// MaxBytes bounds one response (default 1 MiB).
	MaxBytes  int64
	UserAgent string
}

// StatusError is a non-2xx answer.
type StatusError struct {
	Path string
	Code int
	Body string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("beacon %s: HTTP %d: %s", e.Path, e.Code, e.Body)
}

// IsNotFound reports whether err is a 404 answer.
func IsNotFound(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Code == http.StatusNotFound
}

// TooLargeError is an answer larger than MaxBytes.
type TooLargeError struct {
	Path  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("beacon %s: answer larger than %d bytes", e.Path, e.Limit)
}

// BadAnswerError is a 2xx answer that is not the documented shape.
type BadAnswerError struct {
	Path string
	Err  error
}

func (e *BadAnswerError) Error() string {
	return fmt.Sprintf("beacon %s: unexpected answer: %v", e.Path, e.Err)
}

// do sends one request and returns the status and the bounded body.
func (c *Client) do(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.Base, "/")+path, rd)
	if err != nil {
		return 0, nil, err
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return 0, nil, fmt.Errorf("beacon %s: %w", path, ue.Err)
		}
		return 0, nil, err
	}
	defer resp.Body.Close()
	limit := c.MaxBytes
	if limit <= 0 {
		limit = 1 << 20
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("beacon %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return resp.StatusCode, nil, &TooLargeError{Path: path, Limit: limit}
	}
	return resp.StatusCode, data, nil
}

// call decodes a 2xx answer's JSON into out.
func (c *Client) call(ctx context.Context, method, path string, body, out any) error {
	code, data, err := c.do(ctx, method, path, body)
	if err != nil {
		return err
	}
	if code/100 != 2 {
		return &StatusError{Path: path, Code: code, Body: excerpt(data)}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &BadAnswerError{Path: path, Err: err}
	}
	return nil
}

// excerpt is the error message of an error body ({code, message}), or
// the start of the body.
func excerpt(data []byte) string {
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &e) == nil && e.Message != "" {
		return truncate(e.Message, 120)
	}
	return truncate(strings.Join(strings.Fields(string(data)), " "), 120)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Uint64 is a Beacon API integer: a JSON string holding a decimal.
type Uint64 uint64

// UnmarshalJSON accepts only a quoted decimal, as the spec writes them.
func (u *Uint64) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a decimal string, got %s", truncate(string(b), 40))
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not a decimal: %q", truncate(s, 40))
	}
	*u = Uint64(n)
	return nil
}

func (u Uint64) String() string { return strconv.FormatUint(uint64(u), 10) }

// Health calls /eth/v1/node/health and returns its status code (200
// ready, 206 syncing or execution client optimistic/offline, 503 not
// ready); the body is empty by spec and ignored.
func (c *Client) Health(ctx context.Context) (int, error) {
	code, _, err := c.do(ctx, http.MethodGet, "/eth/v1/node/health", nil)
	return code, err
}

// Syncing is /eth/v1/node/syncing's data.
type Syncing struct {
	HeadSlot     Uint64 `json:"head_slot"`
	SyncDistance Uint64 `json:"sync_distance"`
	IsSyncing    bool   `json:"is_syncing"`
	IsOptimistic bool   `json:"is_optimistic"`
	ELOffline    bool   `json:"el_offline"`
}

// Syncing reads /eth/v1/node/syncing.
func (c *Client) Syncing(ctx context.Context) (*Syncing, error) {
	var out struct {
		Data *Syncing `json:"data"`
	}
	if err := c.call(ctx, http.MethodGet, "/eth/v1/node/syncing", nil, &out); err != nil {
		return nil, err
	}
	if out.Data == nil {
		return nil, &BadAnswerError{Path: "/eth/v1/node/syncing", Err: errors.New("no data")}
	}
	return out.Data, nil
}

// PeerCount reads /eth/v1/node/peer_count and returns the connected peers.
func (c *Client) PeerCount(ctx context.Context) (uint64, error) {
	var out struct {
		Data struct {
			Connected *Uint64 `json:"connected"`
		} `json:"data"`
	}
	if err := c.call(ctx, http.MethodGet, "/eth/v1/node/peer_count", nil, &out); err != nil {
		return 0, err
	}
	if out.Data.Connected == nil {
		return 0, &BadAnswerError{Path: "/eth/v1/node/peer_count", Err: errors.New("no data.connected")}
	}
	return uint64(*out.Data.Connected), nil
}

// Version reads /eth/v1/node/version.
func (c *Client) Version(ctx context.Context) (string, error) {
	var out struct {
		Data struct {
			Version string `json:"version"`
		} `json:"data"`
	}
	err := c.call(ctx, http.MethodGet, "/eth/v1/node/version", nil, &out)
	return out.Data.Version, err
}

// GenesisTime reads genesis_time (unix seconds) from /eth/v1/beacon/genesis.
func (c *Client) GenesisTime(ctx context.Context) (uint64, error) {
	var out struct {
		Data struct {
			GenesisTime *Uint64 `json:"genesis_time"`
		} `json:"data"`
	}
	if err := c.call(ctx, http.MethodGet, "/eth/v1/beacon/genesis", nil, &out); err != nil {
		return 0, err
	}
	if out.Data.GenesisTime == nil {
		return 0, &BadAnswerError{Path: "/eth/v1/beacon/genesis", Err: errors.New("no data.genesis_time")}
	}
	return uint64(*out.Data.GenesisTime), nil
}

// Spec holds the chain constants the slot clock needs.
type Spec struct {
	SecondsPerSlot uint64
	SlotsPerEpoch  uint64
}

// Spec reads SECONDS_PER_SLOT and SLOTS_PER_EPOCH from /eth/v1/config/spec
// (testnets differ from mainnet, so they are never assumed).
func (c *Client) Spec(ctx context.Context) (Spec, error) {
	const path = "/eth/v1/config/spec"
	var out struct {
		Data struct {
			SecondsPerSlot *Uint64 `json:"SECONDS_PER_SLOT"`
			SlotsPerEpoch  *Uint64 `json:"SLOTS_PER_EPOCH"`
		} `json:"data"`
	}
	if err := c.call(ctx, http.MethodGet, path, nil, &out); err != nil {
		return Spec{}, err
	}
	d := out.Data
	if d.SecondsPerSlot == nil || d.SlotsPerEpoch == nil || *d.SecondsPerSlot == 0 || *d.SlotsPerEpoch == 0 {
		return Spec{}, &BadAnswerError{Path: path, Err: errors.New("SECONDS_PER_SLOT or SLOTS_PER_EPOCH missing or zero")}
	}
	return Spec{SecondsPerSlot: uint64(*d.SecondsPerSlot), SlotsPerEpoch: uint64(*d.SlotsPerEpoch)}, nil
}

// HeaderSlot reads /eth/v1/beacon/headers/{id} and returns the block's
// slot; found is false on 404 (no block at that slot).
func (c *Client) HeaderSlot(ctx context.Context, id string) (slot uint64, found bool, err error) {
	var out struct {
		Data struct {
			Header struct {
				Message struct {
					Slot *Uint64 `json:"slot"`
				} `json:"message"`
			} `json:"header"`
		} `json:"data"`
	}
	path := "/eth/v1/beacon/headers/" + url.PathEscape(id)
	if err := c.call(ctx, http.MethodGet, path, nil, &out); err != nil {
		if IsNotFound(err) {
			return 0, false, nil
		}
		return 0, false, err
	}
	s := out.Data.Header.Message.Slot
	if s == nil {
		return 0, false, &BadAnswerError{Path: path, Err: errors.New("no data.header.message.slot")}
	}
	return uint64(*s), true, nil
}

// FinalizedEpoch reads the finalized checkpoint's epoch of the head state.
func (c *Client) FinalizedEpoch(ctx context.Context) (uint64, error) {
	const path = "/eth/v1/beacon/states/head/finality_checkpoints"
	var out struct {
		Data struct {
			Finalized struct {
				Epoch *Uint64 `json:"epoch"`
			} `json:"finalized"`
		} `json:"data"`
	}
	if err := c.call(ctx, http.MethodGet, path, nil, &out); err != nil {
		return 0, err
	}
	if out.Data.Finalized.Epoch == nil {
		return 0, &BadAnswerError{Path: path, Err: errors.New("no data.finalized.epoch")}
	}
	return uint64(*out.Data.Finalized.Epoch), nil
}

// Validator is one entry of the validators endpoint (ValidatorResponse).
type Validator struct {
	Index     Uint64 `json:"index"`
	Balance   Uint64 `json:"balance"`
	Status    string `json:"status"`
	Validator struct {
		Pubkey           string `json:"pubkey"`
		EffectiveBalance Uint64 `json:"effective_balance"`
		Slashed          bool   `json:"slashed"`
		ActivationEpoch  Uint64 `json:"activation_epoch"`
	} `json:"validator"`
}

// Validators reads the head state's validators with the given ids
// (indices or 0x pubkeys) by POST /eth/v1/beacon/states/head/validators;
// unknown ids are left out of the answer, as the spec says.
func (c *Client) Validators(ctx context.Context, ids []string) ([]Validator, error) {
	var out struct {
		Data []Validator `json:"data"`
	}
	body := map[string][]string{"ids": ids}
	if err := c.call(ctx, http.MethodPost, "/eth/v1/beacon/states/head/validators", body, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

func indexStrings(indices []uint64) []string {
	s := make([]string, len(indices))
	for i, n := range indices {
		s[i] = strconv.FormatUint(n, 10)
	}
	return s
}

// Liveness reports, per index, whether the validator was seen live in
// epoch (POST /eth/v1/validator/liveness/{epoch}).
func (c *Client) Liveness(ctx context.Context, epoch uint64, indices []uint64) (map[uint64]bool, error) {
	var out struct {
		Data []struct {
			Index  Uint64 `json:"index"`
			IsLive *bool  `json:"is_live"`
		} `json:"data"`
	}
	path := "/eth/v1/validator/liveness/" + strconv.FormatUint(epoch, 10)
	if err := c.call(ctx, http.MethodPost, path, indexStrings(indices), &out); err != nil {
		return nil, err
	}
	live := make(map[uint64]bool, len(out.Data))
	for _, d := range out.Data {
		if d.IsLive == nil {
			return nil, &BadAnswerError{Path: path, Err: fmt.Errorf("index %d has no is_live", d.Index)}
		}
		live[uint64(d.Index)] = *d.IsLive
	}
	return live, nil
}

// ProposerDuty is one slot's proposer.
type ProposerDuty struct {
	ValidatorIndex Uint64 `json:"validator_index"`
	Slot           Uint64 `json:"slot"`
}

// ProposerDuties reads /eth/v1/validator/duties/proposer/{epoch}: every
// slot's proposer in the epoch.
func (c *Client) ProposerDuties(ctx context.Context, epoch uint64) ([]ProposerDuty, error) {
	var out struct {
		Data []ProposerDuty `json:"data"`
	}
	err := c.call(ctx, http.MethodGet, "/eth/v1/validator/duties/proposer/"+strconv.FormatUint(epoch, 10), nil, &out)
	return out.Data, err
}

// SyncDuties returns which of indices are in the sync committee of epoch
// (POST /eth/v1/validator/duties/sync/{epoch}).
func (c *Client) SyncDuties(ctx context.Context, epoch uint64, indices []uint64) ([]uint64, error) {
	var out struct {
		Data []struct {
			ValidatorIndex Uint64 `json:"validator_index"`
		} `json:"data"`
	}
	if err := c.call(ctx, http.MethodPost, "/eth/v1/validator/duties/sync/"+strconv.FormatUint(epoch, 10), indexStrings(indices), &out); err != nil {
		return nil, err
	}
	members := make([]uint64, len(out.Data))
	for i, d := range out.Data {
		members[i] = uint64(d.ValidatorIndex)
	}
	return members, nil
}
