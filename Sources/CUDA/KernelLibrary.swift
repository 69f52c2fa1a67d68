import CCUDADriver
import Foundation
import Synchronization

/// The kernel fatbins loaded into a context, one module each, with every kernel found by
/// name. Launchers ask for `function("fs_rmsnorm_bf16")` once and keep the `Kernel`.
public final class KernelLibrary: @unchecked Sendable {
    public struct Module: Sendable {
        public let path: String
        public let kernelNames: [String]   // empty when the driver cannot enumerate them
    }

    public enum LoadError: Error, CustomStringConvertible {
        case unreadable(String, String)
        case missingKernel(String, modules: [String])
        public var description: String {
            switch self {
            case .unreadable(let path, let why): return "cannot read kernel fatbin \(path): \(why)"
            case .missingKernel(let name, let modules):
                return "kernel \(name) is in none of the loaded fatbins (\(modules.joined(separator: ", "))): "
                    + "rebuild them with scripts/build-kernels.sh"
            }
        }
    }

    public let context: CUDAContext
    public let modules: [Module]
    /// Owns the loaded modules; every Kernel keeps it too, so a kernel stays launchable
    /// after the library that found it is gone.
    private let loaded: LoadedModules
    private var handles: [CUmodule] { loaded.handles }
    private let cache = Mutex<[String: Kernel]>([:])

    /// Loads the given fatbins (default: the ones `KernelLocator` finds).
    public init(context: CUDAContext, paths: [String]? = nil) throws {
        self.context = context
        let files = try paths ?? KernelLocator.locate()
        let api = context.driver.api.pointee
        try context.bind()
        var modules: [Module] = []
        var handles: [CUmodule] = []
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw LoadError.unreadable(path, "no such file or not readable")
            }
            var module: CUmodule?
            let status = data.withUnsafeBytes { api.cuModuleLoadData(&module, $0.baseAddress) }
            try context.driver.check(status, "cuModuleLoadData(\((path as NSString).lastPathComponent))")
            handles.append(module!)
            modules.append(Module(path: path, kernelNames: Self.kernelNames(in: module!, api: api)))
        }
        self.modules = modules
        self.loaded = LoadedModules(context: context, handles: handles)
    }

    /// Every kernel name in every module (for `flashserve doctor`).
    public var kernelNames: [String] { modules.flatMap(\.kernelNames).sorted() }

    /// The kernel called `name` (an `extern "C"` entry point).
    public func function(_ name: String) throws -> Kernel {
        if let kernel = cache.withLock({ $0[name] }) { return kernel }
        let api = context.driver.api.pointee
        for handle in handles {
            var function: CUfunction?
            if api.cuModuleGetFunction(&function, handle, name) == 0, let function {
                let kernel = Kernel(name: name, handle: function, context: context, modules: loaded)
                cache.withLock { $0[name] = kernel }
                return kernel
            }
        }
        throw LoadError.missingKernel(name, modules: modules.map { ($0.path as NSString).lastPathComponent })
    }

    public func contains(_ name: String) -> Bool { (try? function(name)) != nil }

    private static func kernelNames(in module: CUmodule, api: fs_cuda_api) -> [String] {
        guard let count = api.cuModuleGetFunctionCount, let enumerate = api.cuModuleEnumerateFunctions,
              let getName = api.cuFuncGetName else { return [] }
        var n: UInt32 = 0
        guard count(&n, module) == 0, n > 0 else { return [] }
        var functions = [CUfunction?](repeating: nil, count: Int(n))
        guard enumerate(&functions, n, module) == 0 else { return [] }
        return functions.compactMap { function in
            var name: UnsafePointer<CChar>?
            guard let function, getName(&name, function) == 0, let name else { return nil }
            return String(cString: name)
        }
    }
}

/// The CUmodules of a KernelLibrary, unloaded when the library and every Kernel taken from
/// it are gone (unloading invalidates the kernels' function handles).
final class LoadedModules: @unchecked Sendable {
    let context: CUDAContext
    let handles: [CUmodule]

    init(context: CUDAContext, handles: [CUmodule]) {
        self.context = context
        self.handles = handles
    }

    deinit { for handle in handles { _ = context.driver.api.pointee.cuModuleUnload(handle) } }
}
