// Builds assets/scss/site.scss into static/dist/site.css; Django's collectstatic
// then copies static/ into STATIC_ROOT, which uWSGI serves under /static/.
const path = require("path");
const MiniCssExtractPlugin = require("mini-css-extract-plugin");

module.exports = (env, argv) => ({
  mode: argv.mode || "production",
  entry: { site: "./assets/scss/site.scss" },
  output: {
    path: path.resolve(__dirname, "static/dist"),
    filename: "[name].js",
    clean: true,
  },
  module: {
    rules: [
      {
        test: /\.s[ac]ss$/i,
        use: [
          MiniCssExtractPlugin.loader,
          { loader: "css-loader", options: { url: false } },
          "sass-loader",
        ],
      },
    ],
  },
  plugins: [new MiniCssExtractPlugin({ filename: "[name].css" })],
  devtool: false,
});
