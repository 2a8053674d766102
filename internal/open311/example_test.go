package open311_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"chengguan/internal/open311"
)

// oneService is the smallest Backend: one service and nothing else.
type oneService struct{ open311.Backend }

func (oneService) Services(context.Context, open311.Scope) ([]open311.Service, error) {
	return []open311.Service{{Code: "0101", Name: "暴露垃圾", Type: open311.Realtime}}, nil
}

// Mount the layer at /open311/v2 on the standard mux; the handler strips the
// prefix itself when Options.Prefix is set.
func ExampleHandler() {
	mux := http.NewServeMux()
	mux.Handle("/open311/v2/", open311.Handler(oneService{}, open311.Options{
		Prefix:  "/open311/v2",
		BaseURL: "https://cg.example.gov.cn/open311/v2",
	}))
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/open311/v2/services.json", nil))
	fmt.Print(w.Code, " ", w.Body.String())
	// Output: 200 [{"service_code":"0101","service_name":"暴露垃圾","description":"","metadata":false,"type":"realtime","keywords":"","group":""}]
}
