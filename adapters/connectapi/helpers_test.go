package connectapi_test

import (
	"tessera/adapters/vsphere"
	"tessera/connect/central"
)

func smallSim() vsphere.SimOptions {
	return vsphere.SimOptions{HostsPerCluster: 1, HostCores: 4, HostMemoryMiB: 8192}
}

func centralMaxAttempts(n int) central.Config { return central.Config{MaxAttempts: n} }
