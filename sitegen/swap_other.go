//go:build !linux

package sitegen

import "errors"

// exchangeDirs is not available: swapDir falls back to two renames.
func exchangeDirs(a, b string) error { return errors.New("atomic exchange not supported") }
