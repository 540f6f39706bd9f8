// Package plugin implements Pact's plugin interface (plugin.proto, from the
// pact-plugin-driver crate) for protobuf contents and the gRPC transport: it configures
// interactions from a .proto file, runs gRPC mock servers for consumer tests, compares
// messages with Pact's matching rules and verifies real providers over gRPC.
package plugin

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"faultline.dev/tools/pact-protobuf-plugin/internal/pluginpb"
)

// PluginName is the name the plugin registers under; consumers write usingPlugin({plugin: 'protobuf'}).
const PluginName = "protobuf"

// ContentTypes are the content types the plugin matches and generates.
const ContentTypes = "application/protobuf;application/grpc"

// Server is the plugin's gRPC service. Create it with NewServer.
type Server struct {
	pluginpb.UnimplementedPactPluginServer
	compiler Compiler
	log      *slog.Logger

	mu    sync.Mutex
	mocks map[string]*MockServer

	schemaOnce sync.Once
	schemas    *ProviderSchemas
	schemaErr  error
}

// NewServer returns a plugin server that compiles .proto files with compiler.
func NewServer(compiler Compiler, log *slog.Logger) *Server {
	return &Server{compiler: compiler, log: log, mocks: map[string]*MockServer{}}
}

// InitPlugin answers the driver with the catalogue: a content matcher and generator for
// protobuf, and the grpc transport.
func (s *Server) InitPlugin(_ context.Context, req *pluginpb.InitPluginRequest) (*pluginpb.InitPluginResponse, error) {
	s.log.Debug("init", "implementation", req.GetImplementation(), "version", req.GetVersion())
	values := map[string]string{"content-types": ContentTypes}
	return &pluginpb.InitPluginResponse{Catalogue: []*pluginpb.CatalogueEntry{
		{Type: pluginpb.CatalogueEntry_CONTENT_MATCHER, Key: PluginName, Values: values},
		{Type: pluginpb.CatalogueEntry_CONTENT_GENERATOR, Key: PluginName, Values: values},
		{Type: pluginpb.CatalogueEntry_TRANSPORT, Key: "grpc", Values: map[string]string{}},
	}}, nil
}

// UpdateCatalogue is accepted and ignored: the plugin needs nothing from other plugins.
func (s *Server) UpdateCatalogue(context.Context, *pluginpb.Catalogue) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// ConfigureInteraction builds an interaction's request and response(s) from the consumer's
// configuration ('pact:proto', 'pact:proto-service' or 'pact:message-type', request,
// response, requestMetadata, responseMetadata).
func (s *Server) ConfigureInteraction(_ context.Context, req *pluginpb.ConfigureInteractionRequest) (*pluginpb.ConfigureInteractionResponse, error) {
	resp, err := s.configure(req.GetContentsConfig().AsMap())
	if err != nil {
		s.log.Warn("configure interaction failed", "error", err)
		return &pluginpb.ConfigureInteractionResponse{Error: err.Error()}, nil
	}
	return resp, nil
}

func (s *Server) configure(config map[string]any) (*pluginpb.ConfigureInteractionResponse, error) {
	protoFile, _ := config["pact:proto"].(string)
	if protoFile == "" {
		return nil, fmt.Errorf("'pact:proto' (the path of the .proto file) is required")
	}
	compiler := s.compiler
	if pc, ok := config["pact:protobuf-config"].(map[string]any); ok {
		switch inc := pc["additionalIncludes"].(type) {
		case string:
			compiler.Includes = append(compiler.Includes, inc)
		case []any:
			for _, i := range inc {
				compiler.Includes = append(compiler.Includes, fmt.Sprint(i))
			}
		}
	}
	d, err := compiler.Compile(protoFile)
	if err != nil {
		return nil, err
	}
	contents, err := os.ReadFile(protoFile)
	if err != nil {
		return nil, err
	}
	pactConfig, err := structpb.NewStruct(map[string]any{d.Key: map[string]any{
		"protoFile":        string(contents),
		"protoDescriptors": base64.StdEncoding.EncodeToString(d.Raw),
	}})
	if err != nil {
		return nil, err
	}
	expectations := map[string]any{}
	for k, v := range config {
		if !strings.HasPrefix(k, "pact:") {
			expectations[k] = v
		}
	}
	fileName := filepath.Base(protoFile)
	var parts []*pluginpb.InteractionResponse
	var interactionConfig map[string]any
	if service, ok := config["pact:proto-service"].(string); ok && service != "" {
		svcName, methodName, found := strings.Cut(service, "/")
		if !found {
			return nil, fmt.Errorf("'pact:proto-service' must be Service/Method, got %q", service)
		}
		sd, err := d.findService(svcName, fileName)
		if err != nil {
			return nil, fmt.Errorf("'pact:proto-service' %q: %w", service, err)
		}
		md := sd.Methods().ByName(protoreflect.Name(methodName))
		if md == nil {
			return nil, fmt.Errorf("'pact:proto-service' %q: service %s has no method %s", service, sd.FullName(), methodName)
		}
		if md.IsStreamingClient() || md.IsStreamingServer() {
			return nil, fmt.Errorf("'pact:proto-service' %q is a streaming method; this plugin supports unary methods", service)
		}
		interactionConfig = map[string]any{
			"service":       "." + string(sd.FullName()) + "/" + methodName,
			"descriptorKey": d.Key,
			"expectations":  expectations,
		}
		reqPart, err := buildPart(md.Input(), config["request"], config["requestMetadata"], "request")
		if err != nil {
			return nil, err
		}
		parts = append(parts, reqPart)
		respConfigs := []any{config["response"]}
		if list, ok := config["response"].([]any); ok {
			respConfigs = list
		}
		for _, rc := range respConfigs {
			respPart, err := buildPart(md.Output(), rc, config["responseMetadata"], "response")
			if err != nil {
				return nil, err
			}
			parts = append(parts, respPart)
		}
	} else if msgType, ok := config["pact:message-type"].(string); ok && msgType != "" {
		md, err := d.Message(msgType)
		if err != nil {
			pkg := ""
			d.Files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
				if fd.Path() == fileName {
					pkg = string(fd.Package())
					return false
				}
				return true
			})
			if md, err = d.Message(pkg + "." + msgType); err != nil {
				return nil, fmt.Errorf("'pact:message-type' %q: %w", msgType, err)
			}
		}
		interactionConfig = map[string]any{"message": "." + string(md.FullName()), "descriptorKey": d.Key}
		part, err := buildPart(md, config, nil, "")
		if err != nil {
			return nil, err
		}
		parts = append(parts, part)
	} else {
		return nil, fmt.Errorf("'pact:proto-service' (Service/Method) or 'pact:message-type' is required")
	}
	ic, err := structpb.NewStruct(interactionConfig)
	if err != nil {
		return nil, fmt.Errorf("the interaction's configuration is not JSON-like: %w", err)
	}
	for _, p := range parts {
		p.PluginConfiguration = &pluginpb.PluginConfiguration{InteractionConfiguration: ic}
	}
	return &pluginpb.ConfigureInteractionResponse{
		Interaction:         parts,
		PluginConfiguration: &pluginpb.PluginConfiguration{PactConfiguration: pactConfig},
	}, nil
}

func buildPart(md protoreflect.MessageDescriptor, config, metadata any, partName string) (*pluginpb.InteractionResponse, error) {
	what := partName
	if what == "" {
		what = "message"
	}
	fields, ok := config.(map[string]any)
	if config != nil && !ok {
		return nil, fmt.Errorf("%s must be an object of %s's fields", what, md.FullName())
	}
	built, err := BuildMessage(md, fields, what)
	if err != nil {
		return nil, err
	}
	contentType := "application/protobuf;message=." + string(md.FullName())
	mdValues, mdRules, err := MetadataConfig(metadata, what+"Metadata")
	if err != nil {
		return nil, err
	}
	if code, ok := mdValues["grpc-status"]; ok {
		if _, err := ParseCode(code); err != nil {
			return nil, fmt.Errorf("%sMetadata grpc-status: %w", what, err)
		}
	}
	if code, ok := mdValues["grpc-status"]; ok && len(built.Bytes) == 0 {
		if c, _ := ParseCode(code); c != codes.OK {
			built.Bytes = nonEmptyDefault(md)
		}
	}
	meta := map[string]any{"contentType": contentType}
	for k, v := range mdValues {
		meta[k] = v
	}
	metaStruct, err := structpb.NewStruct(meta)
	if err != nil {
		return nil, err
	}
	return &pluginpb.InteractionResponse{
		Contents: &pluginpb.Body{
			ContentType:     contentType,
			Content:         wrapperspb.Bytes(built.Bytes),
			ContentTypeHint: pluginpb.Body_BINARY,
		},
		Rules:                 built.Rules.ToProto(),
		MessageMetadata:       metaStruct,
		MetadataRules:         mdRules.ToProto(),
		InteractionMarkup:     built.Markup,
		InteractionMarkupType: pluginpb.InteractionResponse_COMMON_MARK,
		PartName:              partName,
	}, nil
}

// CompareContents compares an expected and an actual message (content matcher for
// non-transport message tests).
func (s *Server) CompareContents(_ context.Context, req *pluginpb.CompareContentsRequest) (*pluginpb.CompareContentsResponse, error) {
	mismatches, err := s.compare(req)
	if err != nil {
		return &pluginpb.CompareContentsResponse{Error: err.Error()}, nil
	}
	results := map[string]*pluginpb.ContentMismatches{}
	for _, m := range mismatches {
		if results[m.Path] == nil {
			results[m.Path] = &pluginpb.ContentMismatches{}
		}
		results[m.Path].Mismatches = append(results[m.Path].Mismatches, m.proto())
	}
	return &pluginpb.CompareContentsResponse{Results: results}, nil
}

func (s *Server) compare(req *pluginpb.CompareContentsRequest) ([]Mismatch, error) {
	ic := req.GetPluginConfiguration().GetInteractionConfiguration().AsMap()
	key, _ := ic["descriptorKey"].(string)
	if key == "" {
		return nil, fmt.Errorf("the interaction has no descriptorKey in its protobuf configuration")
	}
	pc := req.GetPluginConfiguration().GetPactConfiguration().AsMap()
	d, err := DescriptorsFromPact(map[string]any{"metadata": map[string]any{"plugins": []any{
		map[string]any{"name": PluginName, "configuration": pc},
	}}}, key)
	if err != nil {
		return nil, err
	}
	msgName := messageFromContentType(req.GetExpected().GetContentType())
	if msgName == "" {
		msgName, _ = ic["message"].(string)
	}
	if msgName == "" {
		return nil, fmt.Errorf("the expected content type %q names no message (application/protobuf;message=...)", req.GetExpected().GetContentType())
	}
	md, err := d.Message(msgName)
	if err != nil {
		return nil, err
	}
	rules, err := RulesFromProto(req.GetRules())
	if err != nil {
		return nil, err
	}
	c := Comparison{Rules: rules, AllowUnexpected: req.GetAllowUnexpectedKeys(), Expectations: map[string]bool{}}
	return c.CompareBytes(md, req.GetExpected().GetContent().GetValue(), req.GetActual().GetContent().GetValue())
}

func messageFromContentType(ct string) string {
	for _, part := range strings.Split(ct, ";") {
		if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && k == "message" {
			return v
		}
	}
	return ""
}

// GenerateContent returns the contents unchanged: this plugin defines no generators.
func (s *Server) GenerateContent(_ context.Context, req *pluginpb.GenerateContentRequest) (*pluginpb.GenerateContentResponse, error) {
	return &pluginpb.GenerateContentResponse{Contents: req.GetContents()}, nil
}

func (m Mismatch) proto() *pluginpb.ContentMismatch {
	return &pluginpb.ContentMismatch{
		Expected:     wrapperspb.Bytes([]byte(m.Expected)),
		Actual:       wrapperspb.Bytes([]byte(m.Actual)),
		Mismatch:     m.Message,
		Path:         m.Path,
		MismatchType: m.Part,
	}
}

// nonEmptyDefault is the shortest non-empty encoding of an all-default md: its first field
// written explicitly with its default value (or an unknown field 1 when md has no fields).
// An error response's message is never sent nor compared (the status is), but pact-js 16.5
// refuses a synchronous message whose response contents are empty ("Retrieved an empty
// response"), so error responses carry this instead of zero bytes.
func nonEmptyDefault(md protoreflect.MessageDescriptor) []byte {
	if md.Fields().Len() == 0 {
		return protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 0)
	}
	fd := md.Fields().Get(0)
	switch t := expectedWire(fd); t {
	case protowire.BytesType:
		return protowire.AppendBytes(protowire.AppendTag(nil, fd.Number(), t), nil)
	case protowire.Fixed32Type:
		return protowire.AppendFixed32(protowire.AppendTag(nil, fd.Number(), t), 0)
	case protowire.Fixed64Type:
		return protowire.AppendFixed64(protowire.AppendTag(nil, fd.Number(), t), 0)
	default:
		return protowire.AppendVarint(protowire.AppendTag(nil, fd.Number(), protowire.VarintType), 0)
	}
}
