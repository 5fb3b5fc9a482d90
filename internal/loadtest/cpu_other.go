//go:build !unix

package loadtest

import "time"

// processCPU is the CPU this process has used: not known here.
func processCPU() (time.Duration, bool) { return 0, false }
