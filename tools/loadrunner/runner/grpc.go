package runner

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/bufbuild/protocompile"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// grpcTransport makes the unary calls of gRPC requests, driven by the same VUs and pacer as
// HTTP requests; messages are built from JSON (protojson) with the compiled protos.
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

// invoke makes the unary call of method ("package.Service/Method") on target with the message
// given as JSON and metadata as key, value pairs. It returns the call's code and, as payload, the
// reply encoded as protobuf (so bytes in are protobuf bytes) or the status message; err is set
// when no call was made (unknown method, bad message, no connection).
func (t *grpcTransport) invoke(ctx context.Context, target, method string, body []byte, md []string) (codes.Code, []byte, error) {
	if t == nil {
		return 0, nil, fmt.Errorf("grpc request without protos")
	}
	desc, err := t.method(method)
	if err != nil {
		return 0, nil, err
	}
	conn, err := t.conn(target)
	if err != nil {
		return 0, nil, err
	}
	in, err := t.message(desc, body)
	if err != nil {
		return 0, nil, err
	}
	if len(md) > 0 {
		ctx = metadata.AppendToOutgoingContext(ctx, md...)
	}
	out := dynamicpb.NewMessage(desc.Output())
	fullMethod := "/" + string(desc.Parent().FullName()) + "/" + string(desc.Name())
	callErr := conn.Invoke(ctx, fullMethod, in, out)
	st := status.Convert(callErr)
	if callErr != nil {
		return st.Code(), []byte(st.Message()), nil
	}
	payload, _ := proto.Marshal(out)
	return codes.OK, payload, nil
}
