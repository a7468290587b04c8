package cometbft

import "context"

// Plan is a software upgrade the chain will halt for at Height.
type Plan struct {
	Name   string `json:"name"`
	Height Int64  `json:"height"`
	Info   string `json:"info"`
}

// CurrentPlan reads /cosmos/upgrade/v1beta1/current_plan: nil when no
// upgrade is planned, or when the LCD lacks the upgrade module (HTTP 404
// or 501), which is no plan either.
func (l LCD) CurrentPlan(ctx context.Context) (*Plan, error) {
	var out struct {
		Plan *Plan `json:"plan"`
	}
	if err := l.get(ctx, "/cosmos/upgrade/v1beta1/current_plan", &out); err != nil {
		if unimplemented(err) {
			return nil, nil
		}
		return nil, err
	}
	if out.Plan == nil || out.Plan.Height <= 0 {
		return nil, nil
	}
	return out.Plan, nil
}
