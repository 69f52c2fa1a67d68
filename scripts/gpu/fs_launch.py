"""Load FlashServe kernel fatbins and launch them from Python on the GPU test machine.

Used only by the GPU check scripts (references and benchmarks run through PyTorch there);
the product launches kernels from Swift. Kernels take one POD params struct; mirror it
with a ctypes.Structure whose fields follow the C header in Sources/KernelParams/include
field by field (same types, same order), and pass tensors as `t.data_ptr()`.

    lib = KernelLibrary("build/kernels")          # loads every *.fatbin
    fn = lib.function("fs_rmsnorm_bf16")
    fn.launch(grid=(rows,1,1), block=(256,1,1), params=my_struct, smem=0)

Launches go on PyTorch's current stream, so events and torch ops order with them.
"""
import ctypes
import glob
import os

_cuda = ctypes.CDLL("libcuda.so.1")


def _check(result, call):
    if result != 0:
        name = ctypes.c_char_p()
        text = ctypes.c_char_p()
        _cuda.cuGetErrorName(result, ctypes.byref(name))
        _cuda.cuGetErrorString(result, ctypes.byref(text))
        raise RuntimeError(f"{call} failed: {name.value and name.value.decode()} "
                           f"({text.value and text.value.decode()})")


CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8


class KernelFunction:
    def __init__(self, handle, name):
        self.handle = handle
        self.name = name
        self._smem_limit = 48 * 1024

    def launch(self, grid, block, params, smem=0, stream=None):
        import torch
        if smem > self._smem_limit:
            _check(_cuda.cuFuncSetAttribute(self.handle, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                            ctypes.c_int(smem)), f"cuFuncSetAttribute({self.name})")
            self._smem_limit = smem
        if stream is None:
            stream = torch.cuda.current_stream().cuda_stream
        args = (ctypes.c_void_p * 1)(ctypes.cast(ctypes.pointer(params), ctypes.c_void_p))
        g = tuple(grid) + (1,) * (3 - len(grid))
        b = tuple(block) + (1,) * (3 - len(block))
        _check(_cuda.cuLaunchKernel(self.handle, *[ctypes.c_uint(x) for x in g], *[ctypes.c_uint(x) for x in b],
                                    ctypes.c_uint(smem), ctypes.c_void_p(stream), args, None),
               f"cuLaunchKernel({self.name})")


class KernelLibrary:
    """Every fatbin of a folder, loaded as one module each into PyTorch's CUDA context."""

    def __init__(self, folder=None):
        import torch
        torch.cuda.init()
        torch.empty(1, device="cuda")  # makes the primary context current on this thread
        folder = folder or os.environ.get("FLASHSERVE_KERNELS", "build/kernels")
        self.modules = []
        for path in sorted(glob.glob(os.path.join(folder, "*.fatbin"))):
            module = ctypes.c_void_p()
            _check(_cuda.cuModuleLoad(ctypes.byref(module), path.encode()), f"cuModuleLoad({path})")
            self.modules.append((path, module))
        if not self.modules:
            raise RuntimeError(f"no *.fatbin in {folder}: run scripts/build-kernels.sh")
        self._cache = {}

    def function(self, name):
        if name in self._cache:
            return self._cache[name]
        for _, module in self.modules:
            handle = ctypes.c_void_p()
            if _cuda.cuModuleGetFunction(ctypes.byref(handle), module, name.encode()) == 0:
                fn = KernelFunction(handle, name)
                self._cache[name] = fn
                return fn
        raise KeyError(f"kernel {name} is in none of the loaded fatbins")
