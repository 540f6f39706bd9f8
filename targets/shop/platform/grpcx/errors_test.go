package grpcx_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"faultline.dev/shop/platform/grpcx"
)

var errDeclined = errors.New("declined")

func TestErrorMapper_domainErrorGetsItsCodeAndReason(t *testing.T) {
	m := grpcx.ErrorMapper{Domain: "test.domain", Codes: []grpcx.ErrorCode{{Err: errDeclined, Code: codes.FailedPrecondition, Reason: "DECLINED"}}}
	st := status.Convert(m.Status(context.Background(), fmt.Errorf("charge: %w", errDeclined)))
	if st.Code() != codes.FailedPrecondition || st.Message() != "charge: declined" {
		t.Fatalf("status = %v %q", st.Code(), st.Message())
	}
	if len(st.Details()) != 1 {
		t.Fatalf("details = %v", st.Details())
	}
	info, ok := st.Details()[0].(*errdetails.ErrorInfo)
	if !ok || info.GetReason() != "DECLINED" || info.GetDomain() != "test.domain" {
		t.Errorf("ErrorInfo = %v", st.Details()[0])
	}
}

func TestErrorMapper_unknownErrorIsInternalWithoutDetails(t *testing.T) {
	m := grpcx.ErrorMapper{Domain: "test.domain"}
	st := status.Convert(m.Status(context.Background(), errors.New("secret db detail")))
	if st.Code() != codes.Internal || st.Message() != "internal error" {
		t.Errorf("status = %v %q, want Internal without the error's text", st.Code(), st.Message())
	}
}

func TestErrorMapper_contextErrorsKeepTheirCodes(t *testing.T) {
	m := grpcx.ErrorMapper{}
	if c := status.Code(m.Status(context.Background(), fmt.Errorf("x: %w", context.DeadlineExceeded))); c != codes.DeadlineExceeded {
		t.Errorf("deadline: %v", c)
	}
	if c := status.Code(m.Status(context.Background(), context.Canceled)); c != codes.Canceled {
		t.Errorf("canceled: %v", c)
	}
}
