import CCUDADriver

/// A CUDA driver call that failed: which call, the driver's error code, name and text,
/// and what to do about it where that is known.
public struct CUDAError: Error, CustomStringConvertible, Sendable, Equatable {
    public let call: String
    public let code: Int32
    public let name: String
    public let message: String

    public init(call: String, code: Int32, name: String, message: String) {
        self.call = call
        self.code = code
        self.name = name
        self.message = message
    }

    /// What a user can do about this error, for the codes where there is a known answer.
    public var hint: String? { CUDAResultCodes.hint(for: code) }

    public var description: String {
        var text = "\(call) failed: \(name) (\(code)): \(message)"
        if let hint { text += ". \(hint)" }
        return text
    }
}

/// Why CUDA cannot be used at all on this machine. Callers fall back to the CPU backend.
public enum CUDAUnavailable: Error, CustomStringConvertible, Sendable, Equatable {
    /// libcuda.so.1 is missing or lacks a needed entry point.
    case noDriver(String)
    /// The driver loaded but reports no GPU (or cuInit failed).
    case noDevice(String)

    public var description: String {
        switch self {
        case .noDriver(let why): return "no CUDA driver found: CPU backend only (\(why))"
        case .noDevice(let why): return "no CUDA device usable: CPU backend only (\(why))"
        }
    }
}

/// Names, texts and hints for the CUresult codes FlashServe meets most. The driver's own
/// cuGetErrorName/String are preferred; this table serves when they fail or are absent.
public enum CUDAResultCodes {
    static let known: [Int32: (name: String, text: String)] = [
        0: ("CUDA_SUCCESS", "no error"),
        1: ("CUDA_ERROR_INVALID_VALUE", "invalid argument"),
        2: ("CUDA_ERROR_OUT_OF_MEMORY", "out of memory"),
        3: ("CUDA_ERROR_NOT_INITIALIZED", "initialization error"),
        4: ("CUDA_ERROR_DEINITIALIZED", "driver shutting down"),
        100: ("CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"),
        101: ("CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"),
        200: ("CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid"),
        201: ("CUDA_ERROR_INVALID_CONTEXT", "invalid device context"),
        209: ("CUDA_ERROR_NO_BINARY_FOR_GPU", "no kernel image is available for execution on the device"),
        218: ("CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"),
        222: ("CUDA_ERROR_UNSUPPORTED_PTX_VERSION", "the provided PTX was compiled with an unsupported toolchain"),
        400: ("CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"),
        500: ("CUDA_ERROR_NOT_FOUND", "named symbol not found"),
        600: ("CUDA_ERROR_NOT_READY", "device not ready"),
        700: ("CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered"),
        701: ("CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", "too many resources requested for launch"),
        702: ("CUDA_ERROR_LAUNCH_TIMEOUT", "the launch timed out and was terminated"),
        719: ("CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure"),
        900: ("CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", "operation not permitted when stream is capturing"),
        901: ("CUDA_ERROR_STREAM_CAPTURE_INVALIDATED", "operation failed due to a previous error during capture"),
        910: ("CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE", "the graph update was not performed because it included changes which violated constraints specific to instantiated graph update"),
        999: ("CUDA_ERROR_UNKNOWN", "unknown error"),
    ]

    public static func name(for code: Int32) -> String { known[code]?.name ?? "CUresult \(code)" }
    public static func text(for code: Int32) -> String { known[code]?.text ?? "unrecognised CUDA error" }

    public static func hint(for code: Int32) -> String? {
        switch code {
        case 2: return "Lower --mem-fraction, the batch size or the context length"
        case 100: return "Check that the GPU is visible (nvidia-smi, CUDA_VISIBLE_DEVICES)"
        case 200, 209, 218, 222:
            return "The kernel fatbins do not match this GPU or driver: rebuild them with scripts/build-kernels.sh"
        case 700, 719:
            return "A kernel read or wrote out of bounds; the context is now unusable. Rerun under compute-sanitizer to find it"
        case 701: return "The kernel needs more registers or shared memory than this GPU allows for that launch"
        case 900, 901: return "A call that is not allowed inside CUDA graph capture was made while capturing"
        default: return nil
        }
    }
}
