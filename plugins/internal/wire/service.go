package wire

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Server is the plugin's side of the service, which plugins/sdk builds
// around an author's model.
type Server interface {
	// Info describes the model; it is called without loading it.
	Info() Info
	// Load loads the model with threads threads per Predict call. The
	// host calls it once per process, before the first Predict.
	Load(ctx context.Context, threads int) error
	// Predict computes the outputs of one batch, whose columns follow
	// Info().Inputs. The host sends one batch at a time per process.
	Predict(ctx context.Context, batch arrow.RecordBatch) (arrow.RecordBatch, error)
}

const serviceName = "ember.plugin.v1.Model"

var serviceDesc = grpc.ServiceDesc{
	ServiceName: serviceName,
	HandlerType: (*Server)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: "Describe", Handler: handleDescribe},
		{MethodName: "Load", Handler: handleLoad},
	},
	Streams: []grpc.StreamDesc{
		{StreamName: "Predict", Handler: handlePredict, ServerStreams: true, ClientStreams: true},
	},
}

type empty struct{}

type loadRequest struct {
	Threads int `json:"threads"`
}

func handleDescribe(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	if err := dec(&empty{}); err != nil {
		return nil, err
	}
	reply, err := encodeInfo(srv.(Server).Info())
	if err != nil {
		return nil, status.Errorf(codes.Internal, "encoding the plugin's schemas: %v", err)
	}
	return reply, nil
}

func handleLoad(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	var req loadRequest
	if err := dec(&req); err != nil {
		return nil, err
	}
	if err := guard(func() error { return srv.(Server).Load(ctx, req.Threads) }); err != nil {
		return nil, status.Errorf(codes.Aborted, "loading: %v", err)
	}
	return &empty{}, nil
}

func handlePredict(srv any, stream grpc.ServerStream) error {
	in, err := ReadBatch(stream.RecvMsg, memory.DefaultAllocator)
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "receiving the batch: %v", err)
	}
	defer in.Release()
	var out arrow.RecordBatch
	err = guard(func() (err error) {
		out, err = srv.(Server).Predict(stream.Context(), in)
		return err
	})
	if err != nil {
		return status.Error(codes.Aborted, err.Error())
	}
	if out == nil {
		return status.Error(codes.Aborted, "the model returned no batch")
	}
	defer out.Release()
	return WriteBatch(stream.SendMsg, out, memory.DefaultAllocator)
}

// guard turns a panic of the model into an error, so that one bad batch
// does not take the plugin down.
func guard(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return fn()
}

// Plugin is the model plugin in go-plugin's terms: with Impl, it serves
// the model; on the host it dispenses a *Client.
type Plugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl Server
}

// GRPCServer registers the service (go-plugin calls it in the plugin).
func (p *Plugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	if p.Impl == nil {
		return errors.New("wire: no model to serve")
	}
	s.RegisterService(&serviceDesc, p.Impl)
	return nil
}

// GRPCClient returns the host's client (go-plugin calls it on the host).
func (p *Plugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &Client{conn: c}, nil
}

// Client is the host's side of the service.
type Client struct {
	conn *grpc.ClientConn
}

// Describe asks the plugin for its Info.
func (c *Client) Describe(ctx context.Context) (Info, error) {
	var reply describeReply
	if err := c.conn.Invoke(ctx, "/"+serviceName+"/Describe", &empty{}, &reply, grpc.CallContentSubtype(codecName)); err != nil {
		return Info{}, err
	}
	return reply.decode()
}

// Load asks the plugin to load its model.
func (c *Client) Load(ctx context.Context, threads int) error {
	return c.conn.Invoke(ctx, "/"+serviceName+"/Load", &loadRequest{Threads: threads}, &empty{}, grpc.CallContentSubtype(codecName))
}

// Predict sends one batch and returns the plugin's result, with its
// buffers from mem. A model's failure is an error with codes.Aborted
// (see IsModelError).
func (c *Client) Predict(ctx context.Context, batch arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the stream on every path
	stream, err := c.conn.NewStream(ctx, &serviceDesc.Streams[0], "/"+serviceName+"/Predict", grpc.CallContentSubtype(codecName))
	if err != nil {
		return nil, err
	}
	// A send that fails with io.EOF means the plugin ended the call:
	// its status comes from the receiving side.
	if err := WriteBatch(stream.SendMsg, batch, mem); err != nil && !isEOF(err) {
		return nil, err
	}
	if err := stream.CloseSend(); err != nil {
		return nil, err
	}
	return ReadBatch(stream.RecvMsg, mem)
}

// IsModelError reports whether err is the model's own failure, reported
// by a healthy plugin, rather than a broken process or connection.
func IsModelError(err error) bool {
	s, ok := status.FromError(err)
	return ok && err != nil && (s.Code() == codes.Aborted || s.Code() == codes.InvalidArgument)
}
