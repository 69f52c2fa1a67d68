import CUDA
import KernelParams

/// Encodes the prefill kernel's TMA descriptors with the driver's cuTensorMapEncodeTiled
/// (a host-side call: no GPU work, safe outside and inside graph capture).
public struct DriverTensorMapEncoder: PrefillTensorMapEncoder {
    public let driver: CUDADriver

    public init(driver: CUDADriver) { self.driver = driver }

    public func encode(_ request: PrefillTensorMapRequest) throws -> fs_tensor_map {
        guard let encodeTiled = driver.api.pointee.cuTensorMapEncodeTiled else {
            throw CUDAError(call: "cuTensorMapEncodeTiled", code: 500, name: "CUDA_ERROR_NOT_FOUND",
                            message: "this driver has no TMA descriptors (CUDA 12.0+ needed)")
        }
        var map = fs_tensor_map()
        let globalDim: [UInt64] = [UInt64(request.headDim), UInt64(request.heads), UInt64(request.rows)]
        let globalStrides: [UInt64] = [UInt64(request.headStrideBytes), UInt64(request.rowStrideBytes)]
        let box: [UInt32] = [UInt32(PrefillTensorMapRequest.boxColumns), 1, UInt32(request.boxRows)]
        let elementStrides: [UInt32] = [1, 1, 1]
        let status = withUnsafeMutablePointer(to: &map) { mapPointer in
            encodeTiled(mapPointer, request.driverDataType, 3, UnsafeMutableRawPointer(bitPattern: UInt(request.address)),
                        globalDim, globalStrides, box, elementStrides, 0, PrefillTensorMapRequest.swizzle128B,
                        PrefillTensorMapRequest.l2Promotion256B, 0)
        }
        try driver.check(status, "cuTensorMapEncodeTiled(rows \(request.rows), heads \(request.heads), "
                             + "headDim \(request.headDim), box rows \(request.boxRows))")
        return map
    }
}
