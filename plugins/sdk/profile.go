package sdk

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// ProfileEnv names the environment variable that, set to a path prefix
// P, has every plugin process write a CPU profile to P.<pid> while it
// serves: how to see where a plugin spends its time under a real job
// (plugins.Env passes it to a plugin only).
const ProfileEnv = "EMBER_PLUGIN_CPUPROFILE"

// profile starts the CPU profile ProfileEnv asks for, returning what
// stops it (nil when none was asked for or it could not start).
func profile() (stop func()) {
	prefix := os.Getenv(ProfileEnv)
	if prefix == "" {
		return nil
	}
	f, err := os.Create(fmt.Sprintf("%s.%d", prefix, os.Getpid()))
	if err != nil {
		Logger().Error("cannot write the CPU profile", "error", err)
		return nil
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		Logger().Error("cannot start the CPU profile", "error", err)
		f.Close()
		return nil
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
