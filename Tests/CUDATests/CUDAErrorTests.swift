import Foundation
import Testing
@testable import CUDA

@Suite struct CUDAErrorTests {
    @Test func describesCallNameCodeAndHint() {
        let error = CUDAError(call: "cuMemAlloc(1024 bytes)", code: 2, name: CUDAResultCodes.name(for: 2),
                              message: CUDAResultCodes.text(for: 2))
        #expect(error.name == "CUDA_ERROR_OUT_OF_MEMORY")
        #expect(error.description.hasPrefix("cuMemAlloc(1024 bytes) failed: CUDA_ERROR_OUT_OF_MEMORY (2): out of memory."))
        #expect(error.description.contains("--mem-fraction"))
    }

    @Test(arguments: [(200, "INVALID_IMAGE"), (209, "NO_BINARY_FOR_GPU"), (222, "UNSUPPORTED_PTX_VERSION")])
    func kernelImageErrorsPointAtTheKernelBuild(code: Int32, name: String) {
        #expect(CUDAResultCodes.name(for: code) == "CUDA_ERROR_" + name)
        #expect(CUDAResultCodes.hint(for: code)?.contains("scripts/build-kernels.sh") == true)
    }

    @Test func illegalAddressSuggestsComputeSanitizer() {
        #expect(CUDAResultCodes.name(for: 700) == "CUDA_ERROR_ILLEGAL_ADDRESS")
        #expect(CUDAResultCodes.hint(for: 700)?.contains("compute-sanitizer") == true)
    }

    @Test func unknownCodesStillSayTheNumber() {
        #expect(CUDAResultCodes.name(for: 12345) == "CUresult 12345")
        #expect(CUDAResultCodes.hint(for: 12345) == nil)
        let error = CUDAError(call: "cuX", code: 12345, name: CUDAResultCodes.name(for: 12345), message: "m")
        #expect(error.description == "cuX failed: CUresult 12345 (12345): m")
    }

    @Test func unavailableSaysCPUBackendOnly() {
        #expect(CUDAUnavailable.noDriver("libcuda.so.1: cannot open").description
            == "no CUDA driver found: CPU backend only (libcuda.so.1: cannot open)")
    }

    @Test func driverVersionFormatting() {
        #expect(13000.cudaVersionString == "13.0")
        #expect(12080.cudaVersionString == "12.8")
    }

    /// On a machine without libcuda (CI), loading the driver is a typed "no driver" error,
    /// never a crash; with a driver it loads.
    @Test func loadingTheDriverNeverCrashes() {
        let places: [String] = ["/usr/lib/x86_64-linux-gnu/libcuda.so.1", "/usr/lib64/libcuda.so.1", "/usr/lib/libcuda.so.1"]
        let hasLibcuda = places.contains { FileManager.default.fileExists(atPath: $0) }
        do {
            _ = try CUDADriver.load()
            #expect(hasLibcuda, "the driver loaded although no libcuda.so.1 was found in the usual places")
        } catch {
            if case .noDriver = error { #expect(!hasLibcuda) } else { #expect(hasLibcuda) }
        }
    }
}

