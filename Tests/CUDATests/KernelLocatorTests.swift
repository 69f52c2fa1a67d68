import Testing
@testable import CUDA

@Suite struct KernelLocatorTests {
    let folders: [String: [String]] = [
        "/opt/fs/bin/flashserve-kernels": ["norm_rmsnorm.fatbin", "kvcache_kv_store.fatbin", "README"],
        "/home/dev/repo/build/kernels": ["norm_rmsnorm.fatbin"],
        "/tmp/empty": [],
    ]

    func locate(env: [String: String], exe: String, cwd: String) throws(KernelLocator.NotFound) -> [String] {
        try KernelLocator.locate(environment: env, executablePath: exe, currentDirectory: cwd,
                                 listFolder: { folders[$0] })
    }

    @Test func environmentVariableWins() throws {
        let found = try locate(env: ["FLASHSERVE_KERNELS": "/home/dev/repo/build/kernels"],
                               exe: "/opt/fs/bin/flashserve", cwd: "/")
        #expect(found == ["/home/dev/repo/build/kernels/norm_rmsnorm.fatbin"])
    }

    @Test func aSingleFatbinFileIsAccepted() throws {
        let found = try locate(env: ["FLASHSERVE_KERNELS": "/x/all.fatbin"], exe: "/opt/fs/bin/flashserve", cwd: "/")
        #expect(found == ["/x/all.fatbin"])
    }

    @Test func nextToTheExecutableSortedFatbinsOnly() throws {
        let found = try locate(env: [:], exe: "/opt/fs/bin/flashserve", cwd: "/nowhere")
        #expect(found == ["/opt/fs/bin/flashserve-kernels/kvcache_kv_store.fatbin",
                          "/opt/fs/bin/flashserve-kernels/norm_rmsnorm.fatbin"])
    }

    @Test func developerCheckoutFromASubfolder() throws {
        let found = try locate(env: [:], exe: "/home/dev/repo/.build/debug/flashserve", cwd: "/home/dev/repo/Sources/CUDA")
        #expect(found == ["/home/dev/repo/build/kernels/norm_rmsnorm.fatbin"])
    }

    @Test func anExplicitEmptyFolderIsAnErrorNamingIt() {
        #expect(throws: KernelLocator.NotFound(searched: ["/tmp/empty"])) {
            try locate(env: ["FLASHSERVE_KERNELS": "/tmp/empty"], exe: "/opt/fs/bin/flashserve", cwd: "/")
        }
    }

    @Test func notFoundSaysHowToBuild() {
        do {
            _ = try locate(env: [:], exe: "/usr/bin/flashserve", cwd: "/srv")
            Issue.record("expected NotFound")
        } catch {
            #expect(error.searched.first == "/usr/bin/flashserve-kernels")
            #expect(error.description.contains("scripts/build-kernels.sh"))
        }
    }
}
