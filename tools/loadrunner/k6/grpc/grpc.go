// Package grpc is k6's "k6/net/grpc" module, unary calls only: new Client(), client.load(),
// client.connect(), client.invoke(), client.close(), and the Status* codes.
package grpc

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bufbuild/protocompile"
	"github.com/dop251/goja"
	ggrpc "google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"faultline.dev/tools/loadrunner/k6/engine"
	"faultline.dev/tools/loadrunner/runner"
)

var statusNames = []string{"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound",
	"AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange",
	"Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated"}

func init() {
	names := []string{"Client"}
	for _, s := range statusNames {
		names = append(names, "Status"+s)
	}
	engine.Register(&engine.Module{Name: "k6/net/grpc", Exports: names, New: exports})
}

func exports(vu *engine.VU) map[string]any {
	out := map[string]any{"Client": func(c goja.ConstructorCall) *goja.Object { return newClient(vu, c) }}
	for i, s := range statusNames {
		out["Status"+s] = i
	}
	return out
}

type client struct {
	vu      *engine.VU
	methods map[string]protoreflect.MethodDescriptor
	conn    *ggrpc.ClientConn
	target  string
}

func newClient(vu *engine.VU, c goja.ConstructorCall) *goja.Object {
	cl := &client{vu: vu, methods: map[string]protoreflect.MethodDescriptor{}}
	o := c.This
	_ = o.Set("load", func(call goja.FunctionCall) goja.Value { cl.load(call); return goja.Undefined() })
	_ = o.Set("connect", func(addr string, params goja.Value) { cl.connect(addr, params) })
	_ = o.Set("invoke", func(method string, req goja.Value, params goja.Value) goja.Value {
		return cl.invoke(method, req, params)
	})
	_ = o.Set("close", func() {
		if cl.conn != nil {
			_ = cl.conn.Close()
			cl.conn = nil
		}
	})
	return nil
}

// load compiles the .proto files (import paths beside the script), once for the whole run.
func (c *client) load(call goja.FunctionCall) {
	vu := c.vu
	if !vu.InInit {
		vu.Throw("client.load() can only be called in the init context, as in k6")
	}
	var importPaths []string
	if o, ok := call.Argument(0).(*goja.Object); ok && !goja.IsNull(o) {
		for _, k := range o.Keys() {
			importPaths = append(importPaths, vu.E.Path(o.Get(k).String()))
		}
	}
	if len(importPaths) == 0 {
		importPaths = []string{vu.E.Path(".")}
	}
	var files []string
	for _, a := range call.Arguments[1:] {
		files = append(files, a.String())
	}
	if len(files) == 0 {
		vu.Throw("client.load(importPaths, ...protoFiles): name at least one .proto file")
	}
	key := "grpc.protos:" + strings.Join(importPaths, "|") + ":" + strings.Join(files, "|")
	res := vu.E.Shared(key, func() any {
		comp := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{ImportPaths: importPaths})}
		fs, err := comp.Compile(context.Background(), files...)
		if err != nil {
			return fmt.Errorf("client.load: %w (import paths: %s)", err, strings.Join(importPaths, ", "))
		}
		methods := map[string]protoreflect.MethodDescriptor{}
		for _, f := range fs {
			for i := range f.Services().Len() {
				s := f.Services().Get(i)
				for j := range s.Methods().Len() {
					m := s.Methods().Get(j)
					methods[string(s.FullName())+"/"+string(m.Name())] = m
				}
			}
		}
		return methods
	})
	if err, ok := res.(error); ok {
		vu.Throw("%v", err)
	}
	for k, m := range res.(map[string]protoreflect.MethodDescriptor) {
		c.methods[k] = m
	}
}

func (c *client) connect(addr string, params goja.Value) {
	vu := c.vu
	if vu.InInit {
		vu.Throw("client.connect() can only be called in a VU function, not in the init context")
	}
	if o, ok := params.(*goja.Object); ok {
		for _, k := range o.Keys() {
			if k != "plaintext" && k != "timeout" {
				vu.Throw("client.connect params.%s is not supported by faultline's k6 runner; supported: plaintext, timeout", k)
			}
		}
	}
	if c.conn != nil {
		return
	}
	conn, err := ggrpc.NewClient(addr, ggrpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		vu.Throw("client.connect(%q): %v", addr, err)
	}
	c.conn, c.target = conn, addr
	context.AfterFunc(vu.E.Context(), func() { _ = conn.Close() })
}

func (c *client) method(name string) protoreflect.MethodDescriptor {
	m, ok := c.methods[strings.TrimPrefix(name, "/")]
	if !ok {
		known := make([]string, 0, len(c.methods))
		for k := range c.methods {
			known = append(known, k)
		}
		sort.Strings(known)
		c.vu.Throw("client.invoke: no method %q in the loaded protos; known: %s", name, strings.Join(known, ", "))
	}
	if m.IsStreamingClient() || m.IsStreamingServer() {
		c.vu.Throw("client.invoke: %q streams; faultline's k6 runner supports unary calls only", name)
	}
	return m
}

func (c *client) invoke(name string, req goja.Value, params goja.Value) goja.Value {
	vu := c.vu
	if c.conn == nil {
		vu.Throw("client.invoke: call client.connect(address) first")
	}
	md := c.method(name)
	in := dynamicpb.NewMessage(md.Input())
	if b, err := json.Marshal(req.Export()); err != nil {
		vu.Throw("client.invoke(%q): the request is not JSON: %v", name, err)
	} else if err := protojson.Unmarshal(b, in); err != nil {
		vu.Throw("client.invoke(%q): request message %s: %v", name, md.Input().FullName(), err)
	}
	timeout := 60 * time.Second
	tags := engine.Tags{}
	md2 := metadata.MD{}
	if o, ok := params.(*goja.Object); ok {
		for _, k := range o.Keys() {
			v := o.Get(k)
			switch k {
			case "metadata":
				if m, ok := v.(*goja.Object); ok {
					for _, mk := range m.Keys() {
						md2.Append(mk, m.Get(mk).String())
					}
				}
			case "tags":
				if t, ok := v.(*goja.Object); ok {
					for _, tk := range t.Keys() {
						tags[tk] = t.Get(tk).String()
					}
				}
			case "timeout":
				if s, isStr := v.Export().(string); isStr {
					d, err := engine.ParseDuration(s)
					if err != nil {
						vu.Throw("params.timeout: %v", err)
					}
					timeout = d
				} else {
					timeout = time.Duration(v.ToFloat() * float64(time.Millisecond))
				}
			default:
				vu.Throw("client.invoke params.%s is not supported; supported: metadata, tags, timeout", k)
			}
		}
	}
	ctx, cancel := context.WithTimeout(metadata.NewOutgoingContext(vu.Ctx, md2), timeout)
	defer cancel()
	out := dynamicpb.NewMessage(md.Output())
	var header, trailer metadata.MD
	start := time.Now()
	err := c.conn.Invoke(ctx, "/"+strings.TrimPrefix(name, "/"), in, out, ggrpc.Header(&header), ggrpc.Trailer(&trailer))
	took := time.Since(start)
	st := status.Convert(err)
	t := vu.SampleTags(tags)
	t["name"] = name
	t["method"] = name
	t["url"] = "grpc://" + c.target + "/" + name
	t["status"] = fmt.Sprint(int(st.Code()))
	t["proto"] = "grpc"
	vu.Push(vu.E.Builtin.GRPCReqDuration, float64(took)/float64(time.Millisecond), t)
	vu.Push(vu.E.Builtin.GRPCReqs, 1, t)
	outcome := runner.OK
	switch st.Code() {
	case codes.OK:
	case codes.DeadlineExceeded, codes.Canceled, codes.Unavailable, codes.Unknown:
		outcome = runner.Unknown
	default:
		outcome = runner.Fail
	}
	errText := ""
	if outcome == runner.Unknown {
		errText = st.Code().String() + ": " + st.Message()
	}
	vu.Record(engine.ReqRecord{Name: name, Protocol: "grpc", Outcome: outcome, Code: st.Code().String(), Err: errText, Latency: took})
	rt := vu.RT
	res := rt.NewObject()
	_ = res.Set("status", int(st.Code()))
	_ = res.Set("headers", mdObject(header))
	_ = res.Set("trailers", mdObject(trailer))
	if err == nil {
		b, _ := protojson.MarshalOptions{UseProtoNames: false, EmitUnpopulated: true}.Marshal(out)
		var x any
		_ = json.Unmarshal(b, &x)
		_ = res.Set("message", x)
		_ = res.Set("error", goja.Null())
	} else {
		_ = res.Set("message", goja.Null())
		_ = res.Set("error", map[string]any{"code": int(st.Code()), "message": st.Message()})
	}
	return res
}

func mdObject(md metadata.MD) map[string]any {
	out := map[string]any{}
	for k, v := range md {
		out[k] = v
	}
	return out
}
