// Package all registers every k6 module faultline supports.
package all

import (
	_ "faultline.dev/tools/loadrunner/k6/core"    // k6
	_ "faultline.dev/tools/loadrunner/k6/data"    // k6/data
	_ "faultline.dev/tools/loadrunner/k6/grpc"    // k6/net/grpc
	_ "faultline.dev/tools/loadrunner/k6/http"    // k6/http
	_ "faultline.dev/tools/loadrunner/k6/metrics" // k6/metrics
)
