package runner

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/bufbuild/protocompile"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// GRPCStatusHeader carries the gRPC status code of a call made through grpcTransport.
const GRPCStatusHeader = "Grpc-Status"

// grpcTransport is an http.RoundTripper for grpc://host:port/package.Service/Method URLs, so that
// vegeta's pacer and worker pool drive gRPC calls too. The request body is the message as JSON
// (protojson); the response carries the call's status code in GRPCStatusHeader and the reply
// encoded as protobuf (so bytes in are protobuf bytes).
//
// Why not ghz: ghz v0.120.0 sends its results over an unexported channel to its own reporter
// and hands them out only in the final Report, so it cannot stream per-second aggregates (which
// thresholds with abortOnFail and load during chaos need) through its public API.
type grpcTransport struct {
	methods map[string]protoreflect.MethodDescriptor
	mu      sync.Mutex
	perHost int
	next    atomic.Uint64
	conns   map[string][]*grpc.ClientConn
	// parsed caches request messages by method and JSON, so a body without placeholders is
	// parsed once (messages are only read after parsing, so sharing them is safe); bounded.
	parsed sync.Map
	cached atomic.Int64
}

const maxParsedMessages = 1024

type parsedKey struct{ method, body string }

// message returns the request message for body, parsed once while the cache has room.
func (t *grpcTransport) message(md protoreflect.MethodDescriptor, body []byte) (proto.Message, error) {
	key := parsedKey{string(md.FullName()), string(body)}
	if m, ok := t.parsed.Load(key); ok {
		return m.(proto.Message), nil
	}
	in := dynamicpb.NewMessage(md.Input())
	if len(body) > 0 {
		if err := protojson.Unmarshal(body, in); err != nil {
			return nil, fmt.Errorf("request message for %s: %w", md.FullName(), err)
		}
	}
	if t.cached.Load() < maxParsedMessages {
		if _, loaded := t.parsed.LoadOrStore(key, in); !loaded {
			t.cached.Add(1)
		}
	}
	return in, nil
}

// compileProtos parses the .proto files (with the standard google/protobuf imports) and indexes
// every method by "package.Service/Method".
func compileProtos(ctx context.Context, protos []Proto) (map[string]protoreflect.MethodDescriptor, error) {
	sources := map[string]string{}
	paths := make([]string, 0, len(protos))
	for _, p := range protos {
		sources[p.Path] = p.Content
		paths = append(paths, p.Path)
	}
	c := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
		Accessor: protocompile.SourceAccessorFromMap(sources),
	})}
	files, err := c.Compile(ctx, paths...)
	if err != nil {
		return nil, fmt.Errorf("protos: %w", err)
	}
	methods := map[string]protoreflect.MethodDescriptor{}
	for _, f := range files {
		svcs := f.Services()
		for i := range svcs.Len() {
			s := svcs.Get(i)
			ms := s.Methods()
			for j := range ms.Len() {
				m := ms.Get(j)
				methods[string(s.FullName())+"/"+string(m.Name())] = m
			}
		}
	}
	return methods, nil
}

func newGRPCTransport(methods map[string]protoreflect.MethodDescriptor, perHost int) *grpcTransport {
	return &grpcTransport{methods: methods, perHost: max(perHost, 1), conns: map[string][]*grpc.ClientConn{}}
}

func (t *grpcTransport) method(name string) (protoreflect.MethodDescriptor, error) {
	m, ok := t.methods[name]
	if !ok {
		known := make([]string, 0, len(t.methods))
		for k := range t.methods {
			known = append(known, k)
		}
		return nil, fmt.Errorf("no gRPC method %q in the protos; known: %s", name, strings.Join(known, ", "))
	}
	if m.IsStreamingClient() || m.IsStreamingServer() {
		return nil, fmt.Errorf("gRPC method %q streams; only unary calls are supported", name)
	}
	return m, nil
}

// conn returns the target's connections in turn (perHost of them, made on first use).
func (t *grpcTransport) conn(target string) (*grpc.ClientConn, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	cs, ok := t.conns[target]
	if !ok {
		for range t.perHost {
			c, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				return nil, err
			}
			cs = append(cs, c)
		}
		t.conns[target] = cs
	}
	return cs[t.next.Add(1)%uint64(len(cs))], nil
}

func (t *grpcTransport) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, cs := range t.conns {
		for _, c := range cs {
			_ = c.Close()
		}
	}
}

// RoundTrip makes the unary call the request describes.
func (t *grpcTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	md, err := t.method(strings.TrimPrefix(req.URL.Path, "/"))
	if err != nil {
		return nil, err
	}
	conn, err := t.conn(req.URL.Host)
	if err != nil {
		return nil, err
	}
	var body []byte
	if req.Body != nil {
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
	}
	in, err := t.message(md, body)
	if err != nil {
		return nil, err
	}
	ctx := req.Context()
	pairs := make([]string, 0, 2*len(req.Header))
	for k, vs := range req.Header {
		if strings.HasPrefix(k, "X-Vegeta") {
			continue
		}
		for _, v := range vs {
			pairs = append(pairs, strings.ToLower(k), v)
		}
	}
	if len(pairs) > 0 {
		ctx = metadata.AppendToOutgoingContext(ctx, pairs...)
	}
	out := dynamicpb.NewMessage(md.Output())
	fullMethod := "/" + string(md.Parent().FullName()) + "/" + string(md.Name())
	callErr := conn.Invoke(ctx, fullMethod, in, out)
	st := status.Convert(callErr)
	var payload []byte
	if callErr == nil {
		payload, _ = proto.Marshal(out)
	} else {
		payload = []byte(st.Message())
	}
	h := http.Header{}
	h.Set(GRPCStatusHeader, strconv.Itoa(int(st.Code())))
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/2.0",
		ProtoMajor:    2,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(payload)),
		ContentLength: int64(len(payload)),
		Request:       req,
	}, nil
}

// dispatch sends grpc:// requests to the gRPC transport and the rest over HTTP.
type dispatch struct {
	http http.RoundTripper
	grpc *grpcTransport
}

func (d dispatch) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "grpc" {
		if d.grpc == nil {
			return nil, fmt.Errorf("grpc request without protos")
		}
		return d.grpc.RoundTrip(req)
	}
	return d.http.RoundTrip(req)
}
