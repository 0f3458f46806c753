// A mesh VPN as a service with one role: every machine tagged `mesh` is a peer, and each peer's
// configuration lists every other peer with the public key its generator made.
import { instance, service } from "grove";

export default {
  imports: [
    service("mesh", {
      description: "A WireGuard mesh between servers",
      roles: {
        peer: {
          interface: ({ lib }: any) => ({
            options: {
              port: lib.mkOption({ type: lib.types.port, default: 51820, description: "UDP port." }),
              address: lib.mkOption({
                type: lib.types.str,
                description: "The peer's address inside the mesh.",
              }),
            },
          }),
          generators: {
            "mesh-key": {
              files: { private: { secret: true }, public: { secret: false } },
              // The machine's host key first: it is the age key the private key is encrypted to.
              dependencies: ["ssh-host-key"],
              runtimeInputs: ["openssl"],
              // A WireGuard key is a raw X25519 key in base64: the last 32 bytes of its DER form.
              script: [
                "openssl genpkey -algorithm X25519 -out $out/key.pem",
                "openssl pkey -in $out/key.pem -outform DER | tail -c 32 | base64 > $out/private",
                "openssl pkey -in $out/key.pem -pubout -outform DER | tail -c 32 | base64 > $out/public",
                "rm $out/key.pem",
              ].join("\n"),
            },
          },
          perMachine: ({ settings, machine, roles, vars }: any) => ({
            nixos: {
              networking: {
                firewall: { allowedUDPPorts: [settings.port] },
                wireguard: {
                  interfaces: {
                    mesh: {
                      ips: [`${settings.address}/24`],
                      listenPort: settings.port,
                      privateKeyFile: vars["mesh-key"].files.private.path,
                      get peers() {
                        return Object.entries<any>(roles.peer.machines)
                          .filter(([name]) => name !== machine.name)
                          .map(([name, peer]) => ({
                            name,
                            publicKey: peer.vars["mesh-key"].files.public.value.trim(),
                            allowedIPs: [`${peer.settings.address}/32`],
                          }));
                      },
                    },
                  },
                },
              },
            },
          }),
        },
      },
    }),
    instance("mesh", {
      roles: {
        peer: {
          tags: ["mesh"],
          machines: {
            cinnabar: { settings: { address: "10.100.0.1" } },
            basalt: { settings: { address: "10.100.0.2", port: 51821 } },
            tensor: { settings: { address: "10.100.0.3" } },
          },
        },
      },
    }),
  ],
};
