// What a kernel boundary costs inside a decode step, and whether a flag would cost less.
//
// Every kernel of a decode step starts with griddepcontrol.launch_dependents and then
// griddepcontrol.wait (kernels/common/fs_pdl.cuh): the next kernel's CTAs are resident early,
// but they are released only once the whole previous grid has exited and its writes are
// flushed. Session 16's timeline put that release ~2 µs after the q/k/v product's last CTA
// ended, and SmolLM2's kernels each cost 2.3-3.7 µs on the critical path with almost nothing
// to stream. This program measures one boundary in isolation: a CUDA graph of N kernels, each
// reading what the one before it wrote (CTA c reads value (7c + 3) mod G of the previous
// kernel and writes it + 1), replayed; microseconds per kernel, for each way to wait:
//   serial  no PDL attribute: the stream's ordinary launch after launch
//   pdl     launch_dependents, then griddepcontrol.wait (what every kernel does today)
//   flag    launch_dependents; the producer's CTAs count themselves done on a per-kernel
//           counter (bar.sync, then one release add); the consumer's thread 0 polls it with
//           acquire loads until all G producer CTAs are in, then bar.sync. No grid wait.
//   flag+w  flag, plus griddepcontrol.wait at the kernel's end (so a kernel's completion still
//           implies its predecessors', which the product relies on)
//   data    launch_dependents; no counter: the consumer's CTA polls the one value it reads
//           (acquire) until it holds the expected step, and the producer writes it with a
//           release store: one CTA waits for one CTA, not for the whole grid
//   none    launch_dependents, no wait at all: the floor (results race; not checked)
// with an optional stream of B bytes per CTA before the wait (a skinny product's share of a
// layer's weights; kernels rotate over 12 buffers so that the stream comes from HBM).
// The chain's last values are checked (N everywhere, or the wait let a stale value through).
//
// Build here: scripts/gpu/pdl_latency/build.sh (a static binary, no CUDA toolkit needed there).
// Run on the GPU: pdl_latency [N=2000] [replays=20]
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define CHECK(x)                                                                       \
  do {                                                                                 \
    cudaError_t e = (x);                                                               \
    if (e != cudaSuccess) {                                                            \
      std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e)); \
      std::exit(1);                                                                    \
    }                                                                                  \
  } while (0)

enum Mode { kSerial, kPdl, kFlag, kFlagEndWait, kData, kNone };
static const char* kModeNames[] = {"serial", "pdl", "flag", "flag+w", "data", "none"};
constexpr long kMaxSpins = 1L << 22;  // polls before a wait is declared lost (over a second; a real wait takes µs)
constexpr int kRotate = 12;  // stream buffers, so that a kernel's bytes are not still in L2

struct Link {
  const int* in;           // the previous kernel's values (G of them)
  int* out;                // this kernel's values
  const int* done_in;      // the previous kernel's done counter (flag modes)
  int* done_out;           // this kernel's done counter
  const uint4* stream;     // bytes streamed per CTA before the write (B / 16 loads of 16 bytes)
  int stream_chunks;       // B / 16 / threads per thread
  int grid;                // G (the previous kernel's too: every link has the same grid)
  int step;                // this kernel's place in the chain: it reads values `step`, writes step + 1
  int mode;
};

__device__ __forceinline__ void add_release(int* p, int v) {
  asm volatile("red.release.gpu.global.add.s32 [%0], %1;" ::"l"(p), "r"(v) : "memory");
}

__device__ __forceinline__ int load_acquire(const int* p) {
  int v;
  asm volatile("ld.acquire.gpu.global.s32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
  return v;
}

__device__ __forceinline__ void store_release(int* p, int v) {
  asm volatile("st.release.gpu.global.s32 [%0], %1;" ::"l"(p), "r"(v) : "memory");
}

__global__ void __launch_bounds__(128) link_kernel(Link k) {
  if (k.mode != kSerial) asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
  // The stream does not depend on the previous kernel (a layer's weights): before the wait.
  uint32_t acc = 0;
  for (int i = 0; i < k.stream_chunks; ++i) {
    const uint4 v = __ldcs(k.stream + ((static_cast<size_t>(k.step % kRotate) * k.grid + blockIdx.x) * k.stream_chunks + i) * blockDim.x
                           + threadIdx.x);
    acc ^= v.x ^ v.y ^ v.z ^ v.w;
  }
  if (k.mode == kPdl) asm volatile("griddepcontrol.wait;" ::: "memory");
  if (k.mode == kFlag || k.mode == kFlagEndWait) {
    if (threadIdx.x == 0 && k.done_in != nullptr) {
      for (long spins = 0; load_acquire(k.done_in) < k.grid; ++spins) {
        if (spins > kMaxSpins) __trap();  // a lost signal: fail, don't hang
      }
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    const int c = static_cast<int>(blockIdx.x);
    const int src = (7 * c + 3) % k.grid;
    const int extra = static_cast<int>(acc == 0x9e3779b9u);  // never: keeps the stream alive
    if (k.mode == kData) {
      int v;
      for (long spins = 0; (v = load_acquire(k.in + src)) != k.step; ++spins) {
        if (spins > kMaxSpins) __trap();
      }
      store_release(k.out + c, v + 1 + extra);
    } else {
      k.out[c] = __ldcg(k.in + src) + 1 + extra;
    }
  }
  if (k.mode == kFlag || k.mode == kFlagEndWait) {
    __syncthreads();
    if (threadIdx.x == 0) add_release(k.done_out, 1);
  }
  if (k.mode == kFlagEndWait) asm volatile("griddepcontrol.wait;" ::: "memory");
}

static void launch(cudaStream_t s, const Link& k, bool pdl) {
  cudaLaunchConfig_t cfg = {};
  cfg.gridDim = dim3(k.grid);
  cfg.blockDim = dim3(128);
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr[0].val.programmaticStreamSerializationAllowed = 1;
  cfg.attrs = attr;
  cfg.numAttrs = pdl ? 1 : 0;
  cfg.stream = s;
  CHECK(cudaLaunchKernelEx(&cfg, link_kernel, k));
}

struct Result {
  double us_per_link;
  int wrong;
};

static Result run(int mode, int grid, int stream_bytes, int n, int replays) {
  cudaStream_t s;
  CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  int* values;  // (n + 1) x grid: row 0 is the chain's input (zeros)
  int* done;
  uint4* stream = nullptr;
  CHECK(cudaMalloc(&values, sizeof(int) * grid * (n + 1)));
  CHECK(cudaMalloc(&done, sizeof(int) * (n + 1)));
  const int chunks = stream_bytes / 16 / 128;
  if (chunks > 0) {
    const size_t bytes = static_cast<size_t>(chunks) * 128 * 16 * grid * kRotate;
    CHECK(cudaMalloc(&stream, bytes));
    CHECK(cudaMemset(stream, 1, bytes));
  }
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
  CHECK(cudaMemsetAsync(values, 0, sizeof(int) * grid * (n + 1), s));
  CHECK(cudaMemsetAsync(done, 0, sizeof(int) * (n + 1), s));
  for (int i = 0; i < n; ++i) {
    Link k;
    k.in = values + static_cast<size_t>(i) * grid;
    k.out = values + static_cast<size_t>(i + 1) * grid;
    k.done_in = i == 0 ? nullptr : done + i;
    k.done_out = done + i + 1;
    k.stream = stream;
    k.stream_chunks = chunks;
    k.grid = grid;
    k.step = i;
    k.mode = mode;
    launch(s, k, mode != kSerial && i > 0);  // the first kernel follows the memsets plainly
  }
  CHECK(cudaStreamEndCapture(s, &graph));
  CHECK(cudaGraphInstantiate(&exec, graph, 0));
  CHECK(cudaGraphLaunch(exec, s));  // warm-up
  CHECK(cudaStreamSynchronize(s));
  cudaEvent_t a, b;
  CHECK(cudaEventCreate(&a));
  CHECK(cudaEventCreate(&b));
  CHECK(cudaEventRecord(a, s));
  for (int r = 0; r < replays; ++r) CHECK(cudaGraphLaunch(exec, s));
  CHECK(cudaEventRecord(b, s));
  CHECK(cudaStreamSynchronize(s));
  float ms = 0;
  CHECK(cudaEventElapsedTime(&ms, a, b));
  std::vector<int> last(grid);
  CHECK(cudaMemcpy(last.data(), values + static_cast<size_t>(n) * grid, sizeof(int) * grid, cudaMemcpyDeviceToHost));
  int wrong = 0;
  for (int v : last) wrong += v != n;
  CHECK(cudaGraphExecDestroy(exec));
  CHECK(cudaGraphDestroy(graph));
  CHECK(cudaFree(values));
  CHECK(cudaFree(done));
  if (stream) CHECK(cudaFree(stream));
  CHECK(cudaStreamDestroy(s));
  return {1000.0 * ms / replays / n, wrong};
}

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int replays = argc > 2 ? std::atoi(argv[2]) : 20;
  cudaDeviceProp prop;
  CHECK(cudaGetDeviceProperties(&prop, 0));
  const int sms = prop.multiProcessorCount;
  std::printf("%s, %d SMs; %d kernels a graph, %d replays; us per kernel (values wrong of G at the end)\n",
              prop.name, sms, n, replays);
  const int grids[] = {sms, 2 * sms};
  const int streams[] = {0, 32 * 1024};
  std::printf("| grid | bytes/CTA |");
  for (int m = kSerial; m <= kNone; ++m) std::printf(" %s |", kModeNames[m]);
  std::printf("\n|---|---|");
  for (int m = kSerial; m <= kNone; ++m) std::printf("---|");
  std::printf("\n");
  for (int g : grids) {
    for (int bytes : streams) {
      std::printf("| %d | %d |", g, bytes);
      for (int m = kSerial; m <= kNone; ++m) {
        const Result r = run(m, g, bytes, n, replays);
        if (m == kNone) {
          std::printf(" %.2f |", r.us_per_link);
        } else {
          std::printf(" %.2f%s |", r.us_per_link, r.wrong ? " (WRONG)" : "");
          if (r.wrong) std::fprintf(stderr, "%s grid %d bytes %d: %d of %d values wrong\n", kModeNames[m], g, bytes, r.wrong, g);
        }
        std::fflush(stdout);
      }
      std::printf("\n");
    }
  }
  return 0;
}
