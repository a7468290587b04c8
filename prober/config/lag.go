package config

// Lag compares a chain check's head height with a reference probed in the
// same round: a node that answers but is stuck or on a fork falls behind.
type Lag struct {
	// Reference is another check's slug; its highest height over its
	// regions is the reference.
	Reference string `yaml:"reference"`
	// Group names a check group (the `group` shown on the site): the
	// highest height among its other checks on the same chain id is the
	// reference.
	Group string `yaml:"group"`
	// DegradedBlocks: more than this many blocks behind is degraded.
	DegradedBlocks int64 `yaml:"degraded_blocks"`
	// DownBlocks: more than this many blocks behind is down.
	DownBlocks int64 `yaml:"down_blocks"`
}

// validateLags checks every `lag:` against the loaded checks (slugs and
// groups are final only once all files are read).
func validateLags(l *Loaded, errs *Errors) {
	slugs := map[string]bool{}
	groups := map[string]int{}
	for _, chk := range l.Checks {
		slugs[chk.Slug] = true
		groups[chk.Group]++
	}
	for _, chk := range l.Checks {
		lg := chk.Lag
		if lg == nil {
			continue
		}
		c := collector{file: chk.File, errs: errs}
		line := chk.Line
		if n, ok := chk.Lines["lag"]; ok {
			line = n
		}
		switch {
		case (lg.Reference == "") == (lg.Group == ""):
			c.add(line, "lag: name either `reference: <check slug>` or `group: <group name>`")
		case lg.Reference == chk.Slug:
			c.add(line, "lag.reference: %q is this check itself: name another check", lg.Reference)
		case lg.Reference != "" && !slugs[lg.Reference]:
			c.add(line, "lag.reference: no check has slug %q (see `upchain validate` for the slugs)", lg.Reference)
		case lg.Group != "" && groups[lg.Group]-btoi(chk.Group == lg.Group) < 1:
			c.add(line, "lag.group: no other check is in group %q", lg.Group)
		}
		switch {
		case lg.DegradedBlocks < 0 || lg.DownBlocks < 0:
			c.add(line, "lag: degraded_blocks and down_blocks are block counts, 0 or more")
		case lg.DegradedBlocks == 0 && lg.DownBlocks == 0:
			c.add(line, "lag: set degraded_blocks and/or down_blocks (how many blocks behind is too many)")
		case lg.DegradedBlocks > 0 && lg.DownBlocks > 0 && lg.DegradedBlocks >= lg.DownBlocks:
			c.add(line, "lag: degraded_blocks (%d) must be below down_blocks (%d)", lg.DegradedBlocks, lg.DownBlocks)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
