// Command pact-protobuf-plugin is a Pact plugin for protobuf contents and the gRPC transport.
// The Pact plugin driver starts it; it listens on loopback, prints {"port": N, "serverKey": "..."}
// on stdout and serves Pact's plugin interface until it is stopped.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"google.golang.org/grpc"

	"faultline.dev/tools/pact-protobuf-plugin/internal/pluginpb"
	"faultline.dev/tools/pact-protobuf-plugin/plugin"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pact-protobuf-plugin:", err)
		os.Exit(1)
	}
}

func run() error {
	level := slog.LevelWarn
	switch strings.ToLower(os.Getenv("LOG_LEVEL")) {
	case "debug", "trace":
		level = slog.LevelDebug
	case "info":
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen on loopback: %w", err)
	}
	key := make([]byte, 16)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	srv := plugin.NewServer(plugin.Compiler{Path: os.Getenv("PACT_PROTOC")}, log)
	g := grpc.NewServer()
	pluginpb.RegisterPactPluginServer(g, srv)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.StopAll()
		g.Stop()
	}()

	hello, _ := json.Marshal(map[string]any{"port": lis.Addr().(*net.TCPAddr).Port, "serverKey": hex.EncodeToString(key)})
	fmt.Println(string(hello))
	return g.Serve(lis)
}
