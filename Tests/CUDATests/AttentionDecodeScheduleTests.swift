import Engine
import KernelParams
import Testing
@testable import Kernels

/// Which decode launches run the cluster schedule: only while every pair's cluster is resident,
/// and never differently for a batch and the same batch padded to its CUDA-graph bucket (the
/// two would then split pairs differently, and graph and eager tokens could drift apart).
@Suite struct AttentionDecodeScheduleTests {
    // H100 hd128: 264-CTA stream-K grid, clusters of 16, 16 of them resident (2 CTAs per SM).
    let llama = AttentionDecodeSchedulePolicy(clusterSize: 16, activeClusters: 16, grid: 264)

    @Test func clusterBatchLimitKeepsEveryClusterResident() {
        #expect(llama.clusterBatchLimit(kvHeads: 8) == 2)     // 16 pairs x 16 CTAs = 256 <= 264
        #expect(llama.clusterBatchLimit(kvHeads: 1) == 16)    // 16 resident clusters
        #expect(llama.clusterBatchLimit(kvHeads: 3) == 4)     // 12 pairs; 8 would be 24 > 16
        #expect(llama.clusterBatchLimit(kvHeads: 16) == 1)
        #expect(llama.clusterBatchLimit(kvHeads: 32) == 0)    // not one request's clusters fit
        let fewResident = AttentionDecodeSchedulePolicy(clusterSize: 16, activeClusters: 5, grid: 264)
        #expect(fewResident.clusterBatchLimit(kvHeads: 8) == 0)
        #expect(fewResident.clusterBatchLimit(kvHeads: 2) == 2)
        let smallGrid = AttentionDecodeSchedulePolicy(clusterSize: 8, activeClusters: 100, grid: 132)
        #expect(smallGrid.clusterBatchLimit(kvHeads: 2) == 8)  // 16 pairs x 8 = 128 CTAs <= 132
        #expect(AttentionDecodeSchedulePolicy.streamKOnly(grid: 264).clusterBatchLimit(kvHeads: 1) == 0)
    }

    @Test func schedulesFollowTheLimit() {
        #expect(llama.schedule(batch: 1, kvHeads: 8) == .cluster(size: 16))
        #expect(llama.schedule(batch: 2, kvHeads: 8) == .cluster(size: 16))
        #expect(llama.schedule(batch: 3, kvHeads: 8) == .streamK)
        #expect(AttentionDecodeSchedulePolicy.streamKOnly(grid: 264).schedule(batch: 1, kvHeads: 8) == .streamK)
        #expect(AttentionDecodeSchedule.cluster(size: 16).description == "cluster of 16")
    }

    @Test(arguments: [1, 2, 3, 4, 8, 32])
    func aBatchAndItsGraphBucketGetTheSameSchedule(kvHeads: Int) {
        let policies = [llama,
                        AttentionDecodeSchedulePolicy(clusterSize: 16, activeClusters: 24, grid: 396),
                        AttentionDecodeSchedulePolicy(clusterSize: 8, activeClusters: 7, grid: 132),
                        AttentionDecodeSchedulePolicy(clusterSize: 8, activeClusters: 1000, grid: 1000)]
        for maxBatch in [1, 3, 8, 20, 160, 256] {
            let buckets = GraphBuckets(maxBatch: maxBatch)
            for policy in policies {
                for batch in 1 ... maxBatch {
                    let bucket = buckets.bucket(for: batch)!
                    #expect(policy.schedule(batch: batch, kvHeads: kvHeads) == policy.schedule(batch: bucket, kvHeads: kvHeads),
                            "batch \(batch) in bucket \(bucket), kv heads \(kvHeads), \(policy)")
                }
            }
        }
    }

    @Test func clusterSizesStayWithinTheKernelsMergeBound() {
        // The kernel's DSMEM merge holds one piece per rank in registers, sized by this bound.
        #expect(AttentionDecodeKernel.clusterSizes.allSatisfy { $0 >= 2 && $0 <= Int(FS_ATTENTION_DECODE_MAX_CLUSTER) })
        #expect(AttentionDecodeKernel.clusterSizes == AttentionDecodeKernel.clusterSizes.sorted(by: >))  // largest first
    }
}
