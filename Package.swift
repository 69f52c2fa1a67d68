// swift-tools-version: 6.1
// FlashServe: an LLM serving engine whose attention runs on a FlashAttention-3-class
// backend for Hopper GPUs. Layers (each imports only what is below it):
//   CCUDADriver → CUDA → Kernels → KVCache → Attention → Model → Engine → Server → flashserve
//   GGUF, ChatTemplate → Tokenizer (beside the stack; no GPU)
import PackageDescription

// The model's hot loops (dequantizing, the CPU op set, CPU attention, sampling) are
// optimized even in debug builds: unoptimized, one SmolLM2 token takes ~45 s on 2 cores,
// which would make the real-model tests in `swift test` run for hours.
let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "FlashServe",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "flashserve", targets: ["FlashServeCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // C shim: loads libcuda.so.1 / libcublasLt.so with dlopen; no CUDA needed to build.
        .target(name: "CCUDADriver", linkerSettings: [.linkedLibrary("dl")]),
        // POD parameter structs shared by Swift launchers and kernels/ (C header only).
        .target(name: "KernelParams"),
        .target(name: "CUDA", dependencies: ["CCUDADriver"]),
        .target(name: "Kernels", dependencies: ["CUDA", "KernelParams"]),
        .target(name: "KVCache", dependencies: [
            "CUDA", "Kernels",
            .product(name: "Collections", package: "swift-collections"),
        ]),
        .target(name: "Attention", dependencies: ["CUDA", "Kernels", "KVCache", "KernelParams"],
                swiftSettings: optimizedInDebug),
        .target(name: "GGUF", swiftSettings: optimizedInDebug),
        .target(name: "Model", dependencies: ["CUDA", "Kernels", "KVCache", "Attention", "GGUF"],
                swiftSettings: optimizedInDebug),
        .target(name: "ChatTemplate"),
        .target(name: "Tokenizer", dependencies: ["GGUF", "ChatTemplate"]),
        .target(name: "Engine", dependencies: [
            "Model", "KVCache", "Attention", "CUDA", "Kernels",
            .product(name: "Collections", package: "swift-collections"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: optimizedInDebug),
        .target(name: "Server", dependencies: [
            "Engine", "Tokenizer", "ChatTemplate", "GGUF",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "GPUSelfTest", dependencies: ["CUDA", "Kernels", "KernelParams", "KVCache", "Attention", "Model", "Engine"]),
        .executableTarget(name: "FlashServeCLI", dependencies: [
            "CUDA", "Kernels", "GPUSelfTest", "Tokenizer", "ChatTemplate", "Engine", "Server",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "CUDATests", dependencies: ["CUDA", "Kernels", "KernelParams", "GPUSelfTest", "Engine"]),
        .testTarget(name: "KVCacheTests", dependencies: [
            "KVCache", .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF"]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer"], exclude: ["Fixtures"]),
        .testTarget(
            name: "ChatTemplateTests",
            dependencies: ["ChatTemplate", .product(name: "PropertyBased", package: "swift-property-based")],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "GGUF", "Attention", "KVCache"]),
        .testTarget(name: "EngineTests", dependencies: [
            "Engine", "Model", "KVCache", "Attention",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "ServerTests", dependencies: [
            "Server", "Engine", "Model", "Tokenizer",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ]
)
