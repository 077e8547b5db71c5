export default defineAppConfig({
  pages: ['pages/index/index', 'pages/new/index', 'pages/case/index', 'pages/policy/index', 'pages/care/index'],
  subPackages: [
    {
      root: 'admin',
      pages: ['queue/index', 'case/index', 'roster/index', 'policy/index', 'analytics/index', 'inbox/index', 'batch/index'],
    },
  ],
  window: {
    backgroundTextStyle: 'light',
    navigationBarBackgroundColor: '#ffffff',
    navigationBarTitleText: '售后服务',
    navigationBarTextStyle: 'black',
  },
})
