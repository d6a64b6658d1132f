//go:build linux

package conformance

import (
	"os"
	"strconv"
	"syscall"
)

// suiteNice is the niceness the suite (the server, the pacers, the
// analysis) runs at when it may raise its priority (as root): above the
// players (playerNice more than this) and above whatever else the machine
// runs, the way a camera's encoder and server have the device to
// themselves. The assertions are on what the players received; this keeps
// a busy machine from turning into a late caller.
const suiteNice = -5

// raisePriority sets every thread of this process to suiteNice. Linux
// keeps a niceness per thread, and threads the Go runtime starts later
// inherit it from the thread that creates them. Without the privilege it
// does nothing, and players still run playerNice below the suite.
func raisePriority() {
	if os.Geteuid() != 0 {
		return
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return
	}
	for _, t := range tasks {
		if tid, err := strconv.Atoi(t.Name()); err == nil {
			_ = syscall.Setpriority(syscall.PRIO_PROCESS, tid, suiteNice)
		}
	}
}
