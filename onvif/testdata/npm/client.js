// client.js drives the npm onvif package (agsh/onvif) against a device and
// prints one JSON object on standard output, for onvif/clients_test.go.
//
//   node client.js cam HOST PORT [USER PASS]   connect, then getDeviceInformation,
//                                              getProfiles and getStreamUri
//   node client.js discover [TIMEOUT_MS]       Discovery.probe, without resolving
//
// Errors are printed as {"error": "..."} with exit status 1.
'use strict';

const onvif = require('onvif');

function done(obj, code) {
	process.stdout.write(JSON.stringify(obj) + '\n');
	process.exit(code);
}

function fail(err) {
	done({ error: String(err && err.message ? err.message : err) }, 1);
}

function cam(host, port, username, password) {
	const out = {};
	new onvif.Cam({ hostname: host, port: Number(port), username, password, path: '/onvif/device_service', timeout: 20000 }, function (err) {
		if (err) {
			return fail(err);
		}
		this.getDeviceInformation((err, info) => {
			if (err) {
				return fail(err);
			}
			out.deviceInformation = info;
			this.getProfiles((err, profiles) => {
				if (err) {
					return fail(err);
				}
				out.profiles = profiles.map((p) => ({
					token: p.$.token,
					name: p.name,
					encoding: p.videoEncoderConfiguration && p.videoEncoderConfiguration.encoding,
					width: p.videoEncoderConfiguration && p.videoEncoderConfiguration.resolution.width,
					height: p.videoEncoderConfiguration && p.videoEncoderConfiguration.resolution.height,
					fps: p.videoEncoderConfiguration && p.videoEncoderConfiguration.rateControl.frameRateLimit,
				}));
				out.activeSource = this.activeSource;
				this.getStreamUri({ protocol: 'RTSP', profileToken: out.profiles[0].token }, (err, stream) => {
					if (err) {
						return fail(err);
					}
					out.streamUri = stream.uri;
					done(out, 0);
				});
			});
		});
	});
}

function discover(timeout) {
	onvif.Discovery.on('error', () => {});
	onvif.Discovery.probe({ timeout: Number(timeout) || 3000, resolve: false }, (err, found) => {
		const devices = (found || []).map((d) => {
			const m = d.probeMatches.probeMatch;
			return {
				address: m.endpointReference.address,
				types: m.types,
				scopes: String(m.scopes).split(' '),
				xaddrs: String(m.XAddrs).split(' '),
			};
		});
		done({ devices }, 0);
	});
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'cam') {
	cam(...args);
} else if (mode === 'discover') {
	discover(args[0]);
} else {
	fail('usage: node client.js cam HOST PORT [USER PASS] | discover [TIMEOUT_MS]');
}
