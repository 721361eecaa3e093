//go:build !unix

package bench

import "time"

// processCPU: not told on this platform.
func processCPU() (time.Duration, bool) { return 0, false }
