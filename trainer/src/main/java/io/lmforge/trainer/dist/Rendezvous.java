package io.lmforge.trainer.dist;

import java.util.List;

/**
 * How ranks find each other before any socket exists: each rank contributes one string (its
 * {@code host:port}, and rank 0 also the NCCL unique id) and gets every rank's, in rank order.
 * On Spark this is {@code BarrierTaskContext.allGather}.
 */
public interface Rendezvous {

    int rank();

    int worldSize();

    /** A name for this group of ranks, the same on every rank and new for every attempt. */
    String sessionId();

    List<String> allGather(String mine);
}
