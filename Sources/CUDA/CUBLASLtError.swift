/// What went wrong with a cuBLASLt matrix product, before or during the call.
public enum CUBLASLtError: Error, CustomStringConvertible, Sendable, Equatable {
    /// No cuBLASLt library could be loaded (or it lacks an entry point).
    case unavailable(String)
    /// A cuBLASLt call returned a status other than CUBLAS_STATUS_SUCCESS.
    case failed(call: String, status: Int32, name: String, message: String)
    /// The heuristic offered no algorithm for this product within the workspace.
    case noAlgorithm(LinearShape, workspaceBytes: Int)
    /// An operand is null, too small, misaligned or of the wrong type; nothing was launched.
    case invalidArgument(String, String)

    public var description: String {
        switch self {
        case .unavailable(let why):
            return "cuBLASLt is unavailable: \(why). GPU linear layers need it: install the CUDA toolkit's "
                + "libcublasLt (12 or 13), or point FLASHSERVE_LIBCUBLASLT at it"
        case .failed(let call, let status, let name, let message):
            var text = "\(call) failed: \(name) (\(status)): \(message)"
            if let hint = CUBLASStatusCodes.hint(for: status) { text += ". \(hint)" }
            return text
        case .noAlgorithm(let shape, let workspace):
            return "cuBLASLt has no algorithm for \(shape) within a \(workspace >> 20) MiB workspace: "
                + "check that the feature sizes are multiples of 8 and the GPU is sm_80 or newer"
        case .invalidArgument(let argument, let problem):
            return "cuBLASLt linear: argument '\(argument)' \(problem)"
        }
    }
}

/// Names and texts of cublasStatus_t codes (cublas_api.h), for when the library's own
/// cublasLtGetStatusName/String are absent.
enum CUBLASStatusCodes {
    static let known: [Int32: (name: String, text: String)] = [
        0: ("CUBLAS_STATUS_SUCCESS", "success"),
        1: ("CUBLAS_STATUS_NOT_INITIALIZED", "the library was not initialized"),
        3: ("CUBLAS_STATUS_ALLOC_FAILED", "resource allocation failed"),
        7: ("CUBLAS_STATUS_INVALID_VALUE", "an unsupported value or parameter was passed"),
        8: ("CUBLAS_STATUS_ARCH_MISMATCH", "the operation needs a feature absent from this GPU"),
        11: ("CUBLAS_STATUS_MAPPING_ERROR", "access to GPU memory space failed"),
        13: ("CUBLAS_STATUS_EXECUTION_FAILED", "the GPU program failed to execute"),
        14: ("CUBLAS_STATUS_INTERNAL_ERROR", "an internal operation failed"),
        15: ("CUBLAS_STATUS_NOT_SUPPORTED", "the functionality requested is not supported"),
        16: ("CUBLAS_STATUS_LICENSE_ERROR", "the functionality requested requires a license"),
    ]

    static func name(for status: Int32) -> String { known[status]?.name ?? "cublasStatus_t \(status)" }
    static func text(for status: Int32) -> String { known[status]?.text ?? "unrecognised cuBLAS status" }

    static func hint(for status: Int32) -> String? {
        switch status {
        case 3: return "Free GPU memory (lower --mem-fraction) and retry"
        case 13: return "A kernel failed on the GPU; the context may be unusable"
        case 15, 8: return "This data-type combination or layout is not supported on this GPU"
        default: return nil
        }
    }
}
