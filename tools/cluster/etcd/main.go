// Command etcd is the real etcd server (go.etcd.io/etcd/server/v3/etcdmain), built in a module
// of its own so its dependencies never have to agree with Kubernetes'.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
