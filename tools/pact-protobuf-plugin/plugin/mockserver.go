package plugin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"faultline.dev/tools/pact-protobuf-plugin/internal/pluginpb"
)

// rawCodec passes message bytes through untouched: the mock server and the verifier work on
// encoded messages and decode them with the pact's descriptors.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) {
	b, ok := v.(*[]byte)
	if !ok {
		return nil, fmt.Errorf("raw codec: cannot marshal %T", v)
	}
	return *b, nil
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	b, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("raw codec: cannot unmarshal into %T", v)
	}
	*b = append((*b)[:0], data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

// MockServer serves a pact's gRPC interactions and records what it received.
type MockServer struct {
	Key  string
	Port int

	server       *grpc.Server
	interactions []*Interaction

	mu      sync.Mutex
	results map[string]*routeResult
}

type routeResult struct {
	requests   int
	mismatches []Mismatch
	errors     []string
}

// StartMockServer starts a gRPC mock server for the pact's interactions on the requested
// interface and port (loopback and a free port by default).
func (s *Server) StartMockServer(_ context.Context, req *pluginpb.StartMockServerRequest) (*pluginpb.StartMockServerResponse, error) {
	fail := func(err error) (*pluginpb.StartMockServerResponse, error) {
		return &pluginpb.StartMockServerResponse{Response: &pluginpb.StartMockServerResponse_Error{Error: err.Error()}}, nil
	}
	if req.GetTls() {
		return fail(fmt.Errorf("TLS mock servers are not supported by this plugin"))
	}
	pact, err := ParsePact(req.GetPact())
	if err != nil {
		return fail(err)
	}
	interactions, err := Interactions(pact)
	if err != nil {
		return fail(err)
	}
	if len(interactions) == 0 {
		return fail(fmt.Errorf("the pact has no gRPC interactions configured by the protobuf plugin"))
	}
	host := req.GetHostInterface()
	if host == "" {
		host = "127.0.0.1"
	}
	lis, err := net.Listen("tcp", net.JoinHostPort(host, fmt.Sprint(req.GetPort())))
	if err != nil {
		return fail(fmt.Errorf("mock server cannot listen on %s:%d: %w", host, req.GetPort(), err))
	}
	m := &MockServer{Key: randomKey(), Port: lis.Addr().(*net.TCPAddr).Port, interactions: interactions, results: map[string]*routeResult{}}
	for _, i := range interactions {
		m.results[i.Route] = &routeResult{}
	}
	m.server = grpc.NewServer(grpc.ForceServerCodec(rawCodec{}), grpc.UnknownServiceHandler(m.handle))
	go func() { _ = m.server.Serve(lis) }()
	s.mu.Lock()
	s.mocks[m.Key] = m
	s.mu.Unlock()
	s.log.Debug("mock server started", "key", m.Key, "port", m.Port, "interactions", len(interactions))
	return &pluginpb.StartMockServerResponse{Response: &pluginpb.StartMockServerResponse_Details{Details: &pluginpb.MockServerDetails{
		Key: m.Key, Port: uint32(m.Port), Address: fmt.Sprintf("http://%s", net.JoinHostPort(host, fmt.Sprint(m.Port))),
	}}}, nil
}

// ShutdownMockServer stops the mock server and returns its results.
func (s *Server) ShutdownMockServer(_ context.Context, req *pluginpb.ShutdownMockServerRequest) (*pluginpb.ShutdownMockServerResponse, error) {
	s.mu.Lock()
	m := s.mocks[req.GetServerKey()]
	delete(s.mocks, req.GetServerKey())
	s.mu.Unlock()
	if m == nil {
		return &pluginpb.ShutdownMockServerResponse{Results: []*pluginpb.MockServerResult{{Error: "no mock server with key " + req.GetServerKey()}}}, nil
	}
	m.server.Stop()
	ok, results := m.Results()
	return &pluginpb.ShutdownMockServerResponse{Ok: ok, Results: results}, nil
}

// GetMockServerResults returns what the mock server received so far.
func (s *Server) GetMockServerResults(_ context.Context, req *pluginpb.MockServerRequest) (*pluginpb.MockServerResults, error) {
	s.mu.Lock()
	m := s.mocks[req.GetServerKey()]
	s.mu.Unlock()
	if m == nil {
		return &pluginpb.MockServerResults{Results: []*pluginpb.MockServerResult{{Error: "no mock server with key " + req.GetServerKey()}}}, nil
	}
	ok, results := m.Results()
	return &pluginpb.MockServerResults{Ok: ok, Results: results}, nil
}

// StopAll stops every mock server (the plugin is shutting down).
func (s *Server) StopAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, m := range s.mocks {
		m.server.Stop()
		delete(s.mocks, k)
	}
}

// Results: ok when every route of the pact got at least one request and none mismatched.
func (m *MockServer) Results() (bool, []*pluginpb.MockServerResult) {
	m.mu.Lock()
	defer m.mu.Unlock()
	routes := make([]string, 0, len(m.results))
	for r := range m.results {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	ok := true
	var out []*pluginpb.MockServerResult
	for _, route := range routes {
		r := m.results[route]
		res := &pluginpb.MockServerResult{Path: route}
		switch {
		case r.requests == 0 && len(r.errors) == 0:
			ok = false
			res.Error = fmt.Sprintf("Did not receive any requests for %s", route)
		case len(r.errors) > 0:
			ok = false
			res.Error = strings.Join(r.errors, "; ")
		}
		if res.Error != "" {
			// Pact's consumer side reports mismatches, not errors: the error goes there too.
			res.Mismatches = append(res.Mismatches, Mismatch{Path: route, Part: "request", Message: res.Error}.proto())
		}
		for _, mm := range r.mismatches {
			ok = false
			res.Mismatches = append(res.Mismatches, mm.proto())
		}
		out = append(out, res)
	}
	return ok, out
}

func (m *MockServer) record(route string, f func(r *routeResult)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.results[route]
	if r == nil {
		r = &routeResult{}
		m.results[route] = r
	}
	f(r)
}

// handle serves any unary call: it finds the interactions of the route, matches the request
// against each (the first without mismatches answers) and replies with its response.
func (m *MockServer) handle(_ any, stream grpc.ServerStream) error {
	route, _ := grpc.MethodFromServerStream(stream)
	var req []byte
	if err := stream.RecvMsg(&req); err != nil {
		return err
	}
	md, _ := metadata.FromIncomingContext(stream.Context())
	var candidates []*Interaction
	for _, i := range m.interactions {
		if i.Route == route {
			candidates = append(candidates, i)
		}
	}
	if len(candidates) == 0 {
		msg := fmt.Sprintf("Unexpected request to %s: the pact has no interaction for it", route)
		m.record(route, func(r *routeResult) { r.requests++; r.errors = append(r.errors, msg) })
		return status.Error(codes.Unimplemented, msg)
	}
	var best []Mismatch
	var chosen *Interaction
	for _, i := range candidates {
		c := Comparison{Rules: i.Request.Rules, Expectations: i.Request.Expectations, AllowUnexpected: false}
		mm, err := c.CompareBytes(i.Method.Input(), i.Request.Contents, req)
		if err != nil {
			mm = []Mismatch{{Path: "$", Part: "body", Message: err.Error()}}
		}
		mm = append(mm, CompareMetadata(i.Request.Metadata, i.Request.MetadataRules, func(k string) (string, bool) {
			v := md.Get(k)
			if len(v) == 0 {
				return "", false
			}
			return v[0], true
		})...)
		if len(mm) == 0 {
			chosen, best = i, nil
			break
		}
		if chosen == nil || len(mm) < len(best) {
			chosen, best = i, mm
		}
	}
	m.record(route, func(r *routeResult) { r.requests++; r.mismatches = append(r.mismatches, best...) })
	if len(best) > 0 {
		lines := make([]string, len(best))
		for i, mm := range best {
			lines[i] = mm.Message
		}
		return status.Error(codes.FailedPrecondition, "Pact mock server: the request does not match the pact: "+strings.Join(lines, "; "))
	}
	return respond(stream, chosen)
}

func respond(stream grpc.ServerStream, i *Interaction) error {
	headers := metadata.MD{}
	code := codes.OK
	message := ""
	for k, v := range i.Response.Metadata {
		switch k {
		case "grpc-status":
			c, err := ParseCode(v)
			if err != nil {
				return status.Error(codes.Internal, err.Error())
			}
			code = c
		case "grpc-message":
			message = v
		default:
			headers.Append(k, v)
		}
	}
	if len(headers) > 0 {
		if err := stream.SendHeader(headers); err != nil {
			return err
		}
	}
	if code != codes.OK {
		return status.Error(code, message)
	}
	body := i.Response.Contents
	return stream.SendMsg(&body)
}

func randomKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
