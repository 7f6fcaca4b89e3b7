package io.lmforge.model;

import java.util.Arrays;
import java.util.Map;

/**
 * An independent forward pass in plain Java doubles, written from the equations (loops, no
 * tensors, no DJL), to check the DJL model against. Slow, and meant for a handful of tokens.
 *
 * <p>Weight conventions it shares with the model (they define the parameterisation, not the
 * computation): a projection's matrix is (out, in); W_qkv's rows are q, then k, then v; W_13's
 * rows are the gate, then the up projection; RoPE rotates channel i with channel i + hd/2.
 */
final class ReferenceDecoder {
    private final ModelConfig c;
    private final Map<String, double[]> w;

    /** Expert loads of the last forward: [layer][expert]. */
    int[][] expertCounts;
    /** Sum over MoE layers of the balance loss of the last forward. */
    double balanceLoss;
    /** Smallest gap between the k-th and (k+1)-th router affinity of any token: how decisive routing was. */
    double routingMargin = Double.POSITIVE_INFINITY;

    ReferenceDecoder(ModelConfig config, Map<String, double[]> weights) {
        this.c = config;
        this.w = weights;
    }

    /**
     * @param tokens      [B][T]
     * @param documentIds [B][T] or null (one document per row)
     * @return logits [B][T][V]
     */
    double[][][] forward(int[][] tokens, int[][] documentIds) {
        int b = tokens.length;
        int t = tokens[0].length;
        int d = c.hiddenSize();
        double[][][] h = new double[b][t][];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                h[i][j] = row(w.get("embed.weight"), tokens[i][j], d);
            }
        }
        expertCounts = new int[c.layers()][];
        balanceLoss = 0;
        for (int l = 0; l < c.layers(); l++) {
            String p = "layers." + l + ".";
            for (int i = 0; i < b; i++) {
                double[][] normed = new double[t][];
                for (int j = 0; j < t; j++) {
                    normed[j] = rmsNorm(h[i][j], w.get(p + "attn_norm.weight"));
                }
                double[][] att = attention(normed, p, documentIds == null ? null : documentIds[i]);
                for (int j = 0; j < t; j++) {
                    h[i][j] = add(h[i][j], att[j]);
                }
            }
            if (c.isMoeLayer(l)) {
                double[][] flat = new double[b * t][];
                for (int i = 0; i < b; i++) {
                    for (int j = 0; j < t; j++) {
                        flat[i * t + j] = rmsNorm(h[i][j], w.get(p + "ffn_norm.weight"));
                    }
                }
                double[][] out = moe(flat, p + "moe.", l);
                for (int i = 0; i < b; i++) {
                    for (int j = 0; j < t; j++) {
                        h[i][j] = add(h[i][j], out[i * t + j]);
                    }
                }
            } else {
                for (int i = 0; i < b; i++) {
                    for (int j = 0; j < t; j++) {
                        double[] n = rmsNorm(h[i][j], w.get(p + "ffn_norm.weight"));
                        h[i][j] = add(h[i][j], swiglu(n, p + "ffn.", c.intermediateSize()));
                    }
                }
            }
        }
        String headName = c.tieEmbeddings() ? "embed.weight" : "head.weight";
        double[][][] logits = new double[b][t][];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                logits[i][j] = matVec(w.get(headName), c.vocabSize(), d, rmsNorm(h[i][j], w.get("norm.weight")));
            }
        }
        return logits;
    }

    private double[][] attention(double[][] x, String p, int[] docs) {
        int t = x.length;
        int d = c.hiddenSize();
        int hd = c.headDim();
        double[] wqkv = w.get(p + "attn.wqkv.weight");
        double[][] q = new double[t][];
        double[][] k = new double[t][];
        double[][] v = new double[t][];
        for (int j = 0; j < t; j++) {
            double[] qkv = matVec(wqkv, 3 * d, d, x[j]);
            q[j] = Arrays.copyOfRange(qkv, 0, d);
            k[j] = Arrays.copyOfRange(qkv, d, 2 * d);
            v[j] = Arrays.copyOfRange(qkv, 2 * d, 3 * d);
            for (int head = 0; head < c.heads(); head++) {
                rotate(q[j], head * hd, hd, j);
                rotate(k[j], head * hd, hd, j);
            }
        }
        double[][] out = new double[t][d];
        for (int head = 0; head < c.heads(); head++) {
            int off = head * hd;
            for (int i = 0; i < t; i++) {
                double[] score = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    if (docs != null && docs[j] != docs[i]) {
                        score[j] = Double.NEGATIVE_INFINITY;
                        continue;
                    }
                    double s = 0;
                    for (int e = 0; e < hd; e++) {
                        s += q[i][off + e] * k[j][off + e];
                    }
                    score[j] = s / Math.sqrt(hd);
                    max = Math.max(max, score[j]);
                }
                double z = 0;
                for (int j = 0; j <= i; j++) {
                    score[j] = Math.exp(score[j] - max);
                    z += score[j];
                }
                for (int j = 0; j <= i; j++) {
                    for (int e = 0; e < hd; e++) {
                        out[i][off + e] += score[j] / z * v[j][off + e];
                    }
                }
            }
        }
        double[][] y = new double[t][];
        for (int i = 0; i < t; i++) {
            y[i] = matVec(w.get(p + "attn.wo.weight"), d, d, out[i]);
        }
        return y;
    }

    private void rotate(double[] x, int off, int hd, int position) {
        int half = hd / 2;
        for (int i = 0; i < half; i++) {
            double theta = position / Math.pow(c.ropeBase(), 2.0 * i / hd);
            double a = x[off + i];
            double b = x[off + half + i];
            x[off + i] = a * Math.cos(theta) - b * Math.sin(theta);
            x[off + half + i] = a * Math.sin(theta) + b * Math.cos(theta);
        }
    }

    private double[][] moe(double[][] u, String p, int layer) {
        ModelConfig.Moe m = c.moe();
        int n = u.length;
        int experts = m.routedExperts();
        int[] counts = new int[experts];
        double[] meanAffinity = new double[experts];
        double[][] out = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] s = softmax(matVec(w.get(p + "router.weight"), experts, c.hiddenSize(), u[t]));
            for (int e = 0; e < experts; e++) {
                meanAffinity[e] += s[e] / n;
            }
            boolean[] chosen = new boolean[experts];
            int[] pick = new int[m.topK()];
            double gateSum = 0;
            for (int r = 0; r < m.topK(); r++) {
                int best = -1;
                for (int e = 0; e < experts; e++) {
                    if (!chosen[e] && (best < 0 || s[e] > s[best])) {
                        best = e;
                    }
                }
                chosen[best] = true;
                pick[r] = best;
                counts[best]++;
                gateSum += s[best];
            }
            double runnerUp = 0;
            for (int e = 0; e < experts; e++) {
                runnerUp = chosen[e] ? runnerUp : Math.max(runnerUp, s[e]);
            }
            routingMargin = Math.min(routingMargin, s[pick[m.topK() - 1]] - runnerUp);
            double[] y = m.sharedExperts() > 0
                    ? swiglu(u[t], p + "shared.", m.sharedExperts() * m.expertIntermediateSize())
                    : new double[c.hiddenSize()];
            for (int e : pick) {
                double gate = m.normalizeTopK() ? s[e] / gateSum : s[e];
                double[] ye = swiglu(u[t], p + "experts." + e + ".", m.expertIntermediateSize());
                for (int i = 0; i < y.length; i++) {
                    y[i] += gate * ye[i];
                }
            }
            out[t] = y;
        }
        double loss = 0;
        for (int e = 0; e < experts; e++) {
            loss += (double) experts * counts[e] / ((double) m.topK() * n) * meanAffinity[e];
        }
        balanceLoss += m.auxLossWeight() * loss;
        expertCounts[layer] = counts;
        return out;
    }

    private double[] swiglu(double[] x, String p, int width) {
        double[] gu = matVec(w.get(p + "w13.weight"), 2 * width, x.length, x);
        double[] hidden = new double[width];
        for (int i = 0; i < width; i++) {
            double g = gu[i];
            hidden[i] = g / (1 + Math.exp(-g)) * gu[width + i];
        }
        return matVec(w.get(p + "w2.weight"), x.length, width, hidden);
    }

    private double[] rmsNorm(double[] x, double[] gain) {
        double ms = 0;
        for (double v : x) {
            ms += v * v;
        }
        double scale = 1 / Math.sqrt(ms / x.length + c.normEps());
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * scale * gain[i];
        }
        return y;
    }

    static double[] softmax(double[] x) {
        double max = Arrays.stream(x).max().orElse(0);
        double[] y = new double[x.length];
        double z = 0;
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.exp(x[i] - max);
            z += y[i];
        }
        for (int i = 0; i < x.length; i++) {
            y[i] /= z;
        }
        return y;
    }

    /** y = W x with W stored row-major as (rows, cols). */
    private static double[] matVec(double[] m, int rows, int cols, double[] x) {
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            int base = r * cols;
            for (int i = 0; i < cols; i++) {
                s += m[base + i] * x[i];
            }
            y[r] = s;
        }
        return y;
    }

    private static double[] row(double[] m, int r, int cols) {
        return Arrays.copyOfRange(m, r * cols, (r + 1) * cols);
    }

    private static double[] add(double[] a, double[] b) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            y[i] = a[i] + b[i];
        }
        return y;
    }
}
