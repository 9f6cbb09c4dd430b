//go:build !linux

package browsertest

import "time"

func rendererCPU(int) map[int]time.Duration { return nil }
