package grpc_test

import (
	"net"
	"strings"
	"testing"

	ggrpc "google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"faultline.dev/tools/loadrunner/k6/k6test"
)

const healthProto = `syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse {
  enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
  ServingStatus status = 1;
}
service Health { rpc Check(HealthCheckRequest) returns (HealthCheckResponse); }
`

func serve(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := ggrpc.NewServer()
	h := health.NewServer()
	h.SetServingStatus("shop", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(s, h)
	go func() { _ = s.Serve(l) }()
	t.Cleanup(s.Stop)
	return l.Addr().String()
}

func TestUnaryInvokeLoadsProtosBesideTheScript(t *testing.T) {
	addr := serve(t)
	r := k6test.Run(t, `
import grpc from 'k6/net/grpc';
import { check } from 'k6';
const client = new grpc.Client();
client.load(['protos'], 'health.proto');
export const options = { iterations: 3, thresholds: {
  'grpc_req_duration{status:0}': ['count==3'], 'grpc_req_duration{status:5}': ['count==3'], checks: ['rate==1'] } };
export default function () {
  client.connect(__ENV.ADDR, { plaintext: true });
  const ok = client.invoke('grpc.health.v1.Health/Check', { service: 'shop' }, { metadata: { 'x-k6': 'yes' } });
  const missing = client.invoke('grpc.health.v1.Health/Check', { service: 'nope' });
  check(ok, { 'status OK': (r) => r.status === grpc.StatusOK, 'serving': (r) => r.message.status === 'SERVING' });
  check(missing, { 'not found': (r) => r.status === grpc.StatusNotFound && r.error.code === 5 });
}`, map[string]string{"protos/health.proto": healthProto}, map[string]string{"ADDR": addr})
	if r.Code != 0 || strings.Contains(r.Stderr, "ERRO") {
		t.Fatalf("code %d err %v\n%s\n%s", r.Code, r.Err, r.Stdout, r.Stderr)
	}
}

func TestUnknownMethodListsTheLoadedOnes(t *testing.T) {
	addr := serve(t)
	r := k6test.Run(t, `
import grpc from 'k6/net/grpc';
const client = new grpc.Client();
client.load(['protos'], 'health.proto');
export const options = { iterations: 1 };
export default function () { client.connect(__ENV.ADDR); client.invoke('grpc.health.v1.Health/Nope', {}); }`,
		map[string]string{"protos/health.proto": healthProto}, map[string]string{"ADDR": addr})
	if !strings.Contains(r.Stderr, `no method "grpc.health.v1.Health/Nope"`) || !strings.Contains(r.Stderr, "grpc.health.v1.Health/Check") {
		t.Errorf("stderr: %s", r.Stderr)
	}
}
