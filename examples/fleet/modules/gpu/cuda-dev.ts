import { aspect } from "grove";

export default aspect("cuda-dev", {
  includes: ["python"],
  home: { home: { sessionVariables: { CUDA_CACHE_PATH: "$HOME/.cache/nv" } } },
});
