//go:build unix

package loadtest

import (
	"syscall"
	"time"
)

// processCPU is the CPU this process has used (user and kernel time), if the platform
// tells.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
