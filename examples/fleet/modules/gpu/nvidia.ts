import { aspect } from "grove";

export default aspect("nvidia", {
  description: "NVIDIA driver and CUDA for GPU machines",
  nixos: ({ pkgs }) => ({
    hardware: { nvidia: { open: true, modesetting: { enable: true } }, graphics: { enable: true } },
    services: { xserver: { videoDrivers: ["nvidia"] } },
    nixpkgs: { config: { allowUnfree: true, cudaSupport: true } },
    environment: { systemPackages: [pkgs.cudaPackages.cudatoolkit, pkgs.nvtopPackages.nvidia] },
  }),
});
