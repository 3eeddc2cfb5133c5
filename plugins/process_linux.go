package plugins

import (
	"os/exec"
	"syscall"
)

// dieWithHost has the kernel kill the plugin if the host dies, before the
// plugin's own watch (sdk) notices.
func dieWithHost(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
