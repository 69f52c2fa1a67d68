import Foundation

/// Finds the folder of kernel fatbins (scripts/build-kernels.sh writes one *.fatbin per
/// CUDA translation unit). Searched in order:
///   1. $FLASHSERVE_KERNELS (a folder of fatbins, or one fatbin file)
///   2. `flashserve-kernels/` next to the executable (how a release is shipped)
///   3. `build/kernels/` in the current directory and above (a developer checkout)
public enum KernelLocator {
    public struct NotFound: Error, CustomStringConvertible, Equatable {
        public let searched: [String]
        public var description: String {
            "no CUDA kernel fatbins found (looked in \(searched.joined(separator: ", "))): "
                + "build them with scripts/build-kernels.sh, or point FLASHSERVE_KERNELS at their folder"
        }
    }

    public static let environmentVariable = "FLASHSERVE_KERNELS"
    public static let shippedFolderName = "flashserve-kernels"

    /// The candidate locations, most specific first.
    public static func candidates(environment: [String: String], executablePath: String,
                                  currentDirectory: String) -> [String] {
        var result: [String] = []
        if let explicit = environment[environmentVariable], !explicit.isEmpty { result.append(explicit) }
        let executableFolder = (executablePath as NSString).deletingLastPathComponent
        if !executableFolder.isEmpty {
            result.append((executableFolder as NSString).appendingPathComponent(shippedFolderName))
        }
        var folder = currentDirectory
        for _ in 0..<4 where !folder.isEmpty {
            result.append((folder as NSString).appendingPathComponent("build/kernels"))
            let parent = (folder as NSString).deletingLastPathComponent
            if parent == folder { break }
            folder = parent
        }
        return result
    }

    /// The fatbin files of the first candidate that has any (an explicit
    /// $FLASHSERVE_KERNELS that holds none is an error, not a reason to look elsewhere).
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              executablePath: String = CommandLine.arguments.first ?? "",
                              currentDirectory: String = FileManager.default.currentDirectoryPath,
                              listFolder: (String) -> [String]? = Self.listFolder) throws(NotFound) -> [String] {
        let places = candidates(environment: environment, executablePath: executablePath,
                                currentDirectory: currentDirectory)
        for (index, place) in places.enumerated() {
            if place.hasSuffix(".fatbin") { return [place] }
            if let names = listFolder(place) {
                let fatbins = names.filter { $0.hasSuffix(".fatbin") }.sorted()
                if !fatbins.isEmpty { return fatbins.map { (place as NSString).appendingPathComponent($0) } }
            }
            if index == 0, environment[environmentVariable].map({ !$0.isEmpty }) == true {
                throw NotFound(searched: [place])
            }
        }
        throw NotFound(searched: places)
    }

    public static func listFolder(_ path: String) -> [String]? {
        try? FileManager.default.contentsOfDirectory(atPath: path)
    }
}
