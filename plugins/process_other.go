//go:build !linux

package plugins

import "os/exec"

// dieWithHost does nothing here: the plugin's own watch (sdk) ends it
// when the host dies.
func dieWithHost(cmd *exec.Cmd) {}
