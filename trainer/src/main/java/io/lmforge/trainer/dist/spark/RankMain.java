package io.lmforge.trainer.dist.spark;

import java.io.Serializable;

/**
 * What each rank of a distributed job runs: the training loop, given its rank and collective.
 * Shipped to the executors, so it must be serializable (a static nested class or a lambda over
 * serializable values). Its result travels back to the driver (keep it small: metrics, paths).
 */
@FunctionalInterface
public interface RankMain<R extends Serializable> extends Serializable {
    R run(RankContext context) throws Exception;
}
