package io.lmforge.trainer;

/**
 * The former name of {@link io.lmforge.trainer.dist.GradientSync}, kept only because the benchmark
 * and command-line classes still import it from here while they move to their own modules. It is
 * the one edge from {@code io.lmforge.trainer.dist} back to this package ({@code
 * CollectiveGradientSync} implements it so those classes compile); once they import the dist
 * interface, delete this file and that {@code implements}.
 */
@Deprecated
public interface GradientSync extends io.lmforge.trainer.dist.GradientSync {

    static io.lmforge.trainer.dist.GradientSync singleProcess() {
        return io.lmforge.trainer.dist.GradientSync.singleProcess();
    }
}
