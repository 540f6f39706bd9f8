package plugin

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"faultline.dev/tools/pact-protobuf-plugin/internal/pluginpb"
)

// requestPathKey carries the gRPC route from preparation to verification.
const requestPathKey = "request-path"

// CallTimeout bounds one verification call to the provider.
var CallTimeout = 30 * time.Second

// PrepareInteractionForVerification returns the request the verifier will send: the
// interaction's request message and metadata, and its gRPC route.
func (s *Server) PrepareInteractionForVerification(_ context.Context, req *pluginpb.VerificationPreparationRequest) (*pluginpb.VerificationPreparationResponse, error) {
	fail := func(err error) (*pluginpb.VerificationPreparationResponse, error) {
		return &pluginpb.VerificationPreparationResponse{Response: &pluginpb.VerificationPreparationResponse_Error{Error: err.Error()}}, nil
	}
	pact, err := ParsePact(req.GetPact())
	if err != nil {
		return fail(err)
	}
	i, err := FindInteraction(pact, req.GetInteractionKey())
	if err != nil {
		return fail(err)
	}
	md := map[string]*pluginpb.MetadataValue{
		requestPathKey: {Value: &pluginpb.MetadataValue_NonBinaryValue{NonBinaryValue: structpb.NewStringValue(i.Route)}},
	}
	for k, v := range i.Request.Metadata {
		md[k] = &pluginpb.MetadataValue{Value: &pluginpb.MetadataValue_NonBinaryValue{NonBinaryValue: structpb.NewStringValue(v)}}
	}
	return &pluginpb.VerificationPreparationResponse{Response: &pluginpb.VerificationPreparationResponse_InteractionData{
		InteractionData: &pluginpb.InteractionData{
			Body: &pluginpb.Body{
				ContentType:     "application/grpc",
				Content:         wrapperspb.Bytes(i.Request.Contents),
				ContentTypeHint: pluginpb.Body_BINARY,
			},
			Metadata: md,
		},
	}}, nil
}

// VerifyInteraction calls the provider over gRPC and compares its answer (message, status
// and metadata) with the interaction's response.
func (s *Server) VerifyInteraction(ctx context.Context, req *pluginpb.VerifyInteractionRequest) (*pluginpb.VerifyInteractionResponse, error) {
	fail := func(err error) (*pluginpb.VerifyInteractionResponse, error) {
		return &pluginpb.VerifyInteractionResponse{Response: &pluginpb.VerifyInteractionResponse_Error{Error: err.Error()}}, nil
	}
	pact, err := ParsePact(req.GetPact())
	if err != nil {
		return fail(err)
	}
	i, err := FindInteraction(pact, req.GetInteractionKey())
	if err != nil {
		return fail(err)
	}
	config := req.GetConfig().AsMap()
	s.log.Debug("verify interaction", "description", i.Description, "config", config)
	addr, err := providerAddress(config)
	if err != nil {
		return fail(err)
	}
	outgoing := metadata.MD{}
	for k, v := range req.GetInteractionData().GetMetadata() {
		if k == requestPathKey || k == "contentType" {
			continue
		}
		switch x := v.GetValue().(type) {
		case *pluginpb.MetadataValue_NonBinaryValue:
			outgoing.Append(k, valueString(x.NonBinaryValue))
		case *pluginpb.MetadataValue_BinaryValue:
			outgoing.Append(k, string(x.BinaryValue))
		}
	}
	body := req.GetInteractionData().GetBody().GetContent().GetValue()
	if body == nil {
		body = i.Request.Contents
	}
	result := Verify(ctx, addr, i, body, outgoing)
	if schemas, err := s.providerSchemas(); err != nil {
		result.Errors = append(result.Errors, err.Error())
	} else if schemas != nil {
		mm := schemas.Check(i)
		result.Mismatches = append(result.Mismatches, mm...)
		result.Output = append(result.Output, fmt.Sprintf("    checked against the provider's protos (%s): %d schema mismatch(es)", ProviderProtosEnv, len(mm)))
		for _, m := range mm {
			result.Output = append(result.Output, "      "+m.Message)
		}
	}
	return &pluginpb.VerifyInteractionResponse{Response: &pluginpb.VerifyInteractionResponse_Result{Result: result.proto()}}, nil
}

func valueString(v *structpb.Value) string {
	if s, ok := v.GetKind().(*structpb.Value_StringValue); ok {
		return s.StringValue
	}
	b, _ := v.MarshalJSON()
	return string(b)
}

func providerAddress(config map[string]any) (string, error) {
	host, _ := config["host"].(string)
	if host == "" {
		host = "127.0.0.1"
	}
	var port int
	switch p := config["port"].(type) {
	case float64:
		port = int(p)
	case string:
		port, _ = strconv.Atoi(p)
	}
	if port <= 0 {
		return "", fmt.Errorf("the verifier passed no provider port for the grpc transport (config %v): give transports: [{protocol: 'grpc', port: N}]", config)
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}

// VerificationOutcome is what one verification found.
type VerificationOutcome struct {
	Mismatches []Mismatch
	Errors     []string
	Output     []string
}

func (v VerificationOutcome) proto() *pluginpb.VerificationResult {
	r := &pluginpb.VerificationResult{Success: len(v.Mismatches) == 0 && len(v.Errors) == 0, Output: v.Output}
	for _, e := range v.Errors {
		r.Mismatches = append(r.Mismatches, &pluginpb.VerificationResultItem{Result: &pluginpb.VerificationResultItem_Error{Error: e}})
	}
	for _, m := range v.Mismatches {
		r.Mismatches = append(r.Mismatches, &pluginpb.VerificationResultItem{Result: &pluginpb.VerificationResultItem_Mismatch{Mismatch: m.proto()}})
	}
	return r
}

// Verify sends the request to the provider at addr and compares the answer.
func Verify(ctx context.Context, addr string, i *Interaction, body []byte, outgoing metadata.MD) VerificationOutcome {
	out := VerificationOutcome{Output: []string{
		fmt.Sprintf("Given a %s request", i.Route),
		fmt.Sprintf("    with an input %s message", i.Method.Input().FullName()),
	}}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		out.Errors = append(out.Errors, fmt.Sprintf("cannot connect to the provider at %s: %v", addr, err))
		return out
	}
	defer func() { _ = conn.Close() }()
	ctx, cancel := context.WithTimeout(metadata.NewOutgoingContext(ctx, outgoing), CallTimeout)
	defer cancel()
	var resp []byte
	var header, trailer metadata.MD
	callErr := conn.Invoke(ctx, i.Route, &body, &resp, grpc.ForceCodec(rawCodec{}), grpc.Header(&header), grpc.Trailer(&trailer))
	st := status.Convert(callErr)
	expectedCode := codes.OK
	if c, ok := i.Response.Metadata["grpc-status"]; ok {
		expectedCode, _ = ParseCode(c)
	}
	lookup := func(k string) (string, bool) {
		switch k {
		case "grpc-status":
			return codeString(st.Code()), true
		case "grpc-message":
			return st.Message(), st.Message() != ""
		}
		if v := header.Get(k); len(v) > 0 {
			return v[0], true
		}
		if v := trailer.Get(k); len(v) > 0 {
			return v[0], true
		}
		return "", false
	}
	switch {
	case callErr != nil && st.Code() == codes.Unavailable && expectedCode != codes.Unavailable:
		out.Errors = append(out.Errors, fmt.Sprintf("the provider at %s is unavailable: %s", addr, st.Message()))
		return out
	case callErr != nil && expectedCode == codes.OK:
		out.Mismatches = append(out.Mismatches, Mismatch{Path: "grpc-status", Part: "metadata", Expected: "OK", Actual: codeString(st.Code()),
			Message: fmt.Sprintf("expected a %s message, but the provider answered gRPC status %s: %s", i.Method.Output().FullName(), codeString(st.Code()), st.Message())})
	case callErr == nil && expectedCode != codes.OK:
		out.Mismatches = append(out.Mismatches, Mismatch{Path: "grpc-status", Part: "metadata", Expected: codeString(expectedCode), Actual: "OK",
			Message: fmt.Sprintf("gRPC status: expected %s, actual OK (the provider answered with a %s message)", codeString(expectedCode), i.Method.Output().FullName())})
	case callErr == nil:
		c := Comparison{Rules: i.Response.Rules, Expectations: i.Response.Expectations, AllowUnexpected: true}
		mm, err := c.CompareBytes(i.Method.Output(), i.Response.Contents, resp)
		if err != nil {
			out.Errors = append(out.Errors, err.Error())
		}
		out.Mismatches = append(out.Mismatches, mm...)
	}
	if callErr != nil || expectedCode == codes.OK {
		out.Mismatches = append(out.Mismatches, CompareMetadata(i.Response.Metadata, i.Response.MetadataRules, lookup)...)
	}
	sort.SliceStable(out.Mismatches, func(a, b int) bool { return out.Mismatches[a].Path < out.Mismatches[b].Path })
	verdict := "OK"
	if len(out.Mismatches) > 0 || len(out.Errors) > 0 {
		verdict = "FAILED"
	}
	if expectedCode == codes.OK {
		out.Output = append(out.Output, fmt.Sprintf("    will return an output %s message [%s]", i.Method.Output().FullName(), verdict))
	} else {
		out.Output = append(out.Output, fmt.Sprintf("    will return an error response %s [%s]", codeString(expectedCode), verdict))
	}
	for _, m := range out.Mismatches {
		out.Output = append(out.Output, "      "+m.Message)
	}
	return out
}

// providerSchemas loads the provider's protos named by PACT_PROTOBUF_PROVIDER_PROTOS once;
// nil when the variable is not set.
func (s *Server) providerSchemas() (*ProviderSchemas, error) {
	s.schemaOnce.Do(func() {
		v := os.Getenv(ProviderProtosEnv)
		if v == "" {
			return
		}
		s.schemas, s.schemaErr = LoadProviderSchemas(s.compiler, filepath.SplitList(v))
	})
	return s.schemas, s.schemaErr
}
